"""Plain records passed between the store and the domain, one module per domain
(accounts, meetings, rooms, documents, live, audit, mail, floor, votes): importers name
the module.

They live in layer 0 so that `store/` can build them and the domain can use them
without either importing the other.
"""
