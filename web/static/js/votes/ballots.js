// This device's ballots: each kept in localStorage *before* it is sent, with the random
// ballot id it goes with, so that a lost answer, a reconnection or a reload sends the
// same ballot again (the server answers the same receipt and stores it once), and the
// receipt shows again after a reload. Sent one at a time: the server's error names the
// message type only ("vote_cast"), so the one in flight is the one it is about.

import { storage } from "../live/util.js";

const KEEP_DAYS = 30;
const RETRY_MS = 1500; // after "rate_limited"

/** A version 4 UUID from crypto.getRandomValues: crypto.randomUUID exists only in
 * secure contexts, and meeting rooms often serve plain HTTP on their own network. The
 * server recognises a resend by this id and keeps nothing that leads back to it, so
 * it must be random (122 bits), never derived from anything. */
export function uuid4() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // variant 10
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class BallotBook {
  /** `onChange()` after a receipt, an error or a new ballot. */
  constructor(meetingId, session, onChange) {
    this.key = `meetroom.ballots.${meetingId}`;
    this.session = session;
    this.onChange = onChange;
    this.inFlight = null; // the record sent and not answered on this socket
    this.openVote = null; // the id of the open vote: only its ballots are sent
    this.failures = new Map(); // `${vote}/${principal}` -> {code, message}: the last refusal
    this.elsewhere = new Set(); // `${vote}/${principal}`: voted, not from here
    this.fresh = new Set(); // ballot ids whose receipt came while this page was open
    this.retry = null;
    const cutoff = Date.now() - KEEP_DAYS * 86400_000;
    this.records = (storage.get("localStorage", this.key) || []).filter((r) => r && r.at > cutoff);
    this.save();
    // A ballot cast in another tab of this browser: its receipt shows here too.
    window.addEventListener("storage", (e) => {
      if (e.key !== this.key) return;
      this.records = storage.get("localStorage", this.key) || [];
      this.onChange();
    });
  }

  save() {
    storage.set("localStorage", this.key, this.records.length ? this.records : null);
  }

  /** The ballot cast from this device for `principal` in this vote, by `castBy`. */
  find(voteId, principal, castBy) {
    return this.records.find((r) => r.vote_id === voteId && r.principal === principal && r.cast_by === castBy) ?? null;
  }

  /** The receipts of this device's ballots in a vote, by `castBy`. */
  receipts(voteId, castBy) {
    return this.records.filter((r) => r.vote_id === voteId && r.cast_by === castBy && r.receipt);
  }

  failure(voteId, principal) {
    return this.failures.get(`${voteId}/${principal}`) ?? null;
  }

  votedElsewhere(voteId, principal) {
    return this.elsewhere.has(`${voteId}/${principal}`);
  }

  markElsewhere(voteId, principal) {
    if (this.find(voteId, principal, this.castBy()) || this.votedElsewhere(voteId, principal)) return;
    this.elsewhere.add(`${voteId}/${principal}`);
    this.onChange();
  }

  /** Own participant id (`welcome.you` is "p:<id>"); null for someone else (an admin). */
  castBy() {
    const you = this.session.you();
    return you?.startsWith("p:") ? you.slice(2) : null;
  }

  /** A new ballot: kept, then sent. `principal`: whom it is for (oneself or the one
   * whose proxy this is). */
  cast(voteId, principal, choice) {
    const castBy = this.castBy();
    if (!castBy || this.find(voteId, principal, castBy)) return;
    this.failures.delete(`${voteId}/${principal}`);
    this.records.push({
      vote_id: voteId, principal, cast_by: castBy, ballot_id: uuid4(), choice, receipt: null, at: Date.now(),
    });
    this.save();
    this.onChange();
    this.pump();
  }

  /** The vote now open (or null): sends what of it waits. */
  voteOpen(voteId) {
    this.openVote = voteId;
    this.pump();
  }

  /** A new socket: what was in flight on the old one may be lost, so it goes again. */
  welcome() {
    this.inFlight = null;
    this.pump();
  }

  waiting() {
    const castBy = this.castBy();
    return this.records.filter((r) => r.vote_id === this.openVote && r.cast_by === castBy && !r.receipt);
  }

  pump() {
    if (this.inFlight || !this.session.connected || !this.openVote) return;
    const next = this.waiting()[0];
    if (!next) return;
    const msg = {
      type: "vote_cast", vote_id: next.vote_id, ballot_id: next.ballot_id, choice: next.choice,
      for_participant_id: next.principal === next.cast_by ? null : next.principal,
    };
    if (this.session.send(msg)) this.inFlight = next;
  }

  /** Takes a message from the socket; true if it was about a ballot. */
  message(msg) {
    if (msg.type === "vote_receipt") {
      const record = this.records.find((r) => r.vote_id === msg.vote_id && r.ballot_id === msg.ballot_id);
      if (record) {
        // The first receipt this device sees of it (a resend's too: the answer to the
        // first sending was lost): "stored", where a reload says "already voted".
        if (!record.receipt) this.fresh.add(record.ballot_id);
        record.receipt = msg.receipt;
        this.save();
      }
      if (this.inFlight?.ballot_id === msg.ballot_id) this.inFlight = null;
      this.onChange();
      this.pump();
      return true;
    }
    if (msg.type === "error" && msg.ref === "vote_cast") {
      const record = this.inFlight;
      this.inFlight = null;
      if (!record) return true;
      if (msg.code === "rate_limited") {
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.pump(), RETRY_MS);
        return true;
      }
      // Refused: this ballot was not taken; the voter may choose again (or not, if the
      // vote is closed or someone voted for them already).
      this.records = this.records.filter((r) => r.ballot_id !== record.ballot_id);
      this.save();
      const key = `${record.vote_id}/${record.principal}`;
      this.failures.set(key, { code: msg.code, message: msg.message || "" });
      if (msg.code === "already_voted") this.elsewhere.add(key);
      this.onChange();
      this.pump();
      return true;
    }
    return false;
  }
}
