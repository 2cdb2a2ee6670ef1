"""The floor of a meeting: who counts for the quorum (voting members, presence and
attendance marked by hand) and whether it is reached (`quorum`), the speakers' queue
as a state machine (`queue`), speaking time (`timer`), and the services that apply them
to the stored state (`service`: the queue; `roll`: attendance marks and the quorum's
log), on the ports of `ports`. The pure parts know no store and no clock: the services
read the time from `meetroom.clock` and hand it in."""
