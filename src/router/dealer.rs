//! The dealer: registrations indexed by `(match policy, procedure pattern)`, and the calls in
//! flight between callers and callees.
//!
//! - Routing: the best match for the procedure (exact, else longest prefix, else best
//!   wildcard); among a shared registration's callees by its invocation policy.
//! - Progressive call results (`receive_progress`, forwarded when the callee announced
//!   `progressive_call_results`) and progressive call invocations (`CALL.Options.progress`: every
//!   chunk goes to the callee picked for the first, under the same INVOCATION request id, with
//!   the options of the first).
//! - Cancel: `skip` answers the caller at once and drops the callee's late answer; `killnowait`
//!   does the same and sends INTERRUPT; `kill` sends INTERRUPT and waits for the callee's answer.
//!   A callee that did not announce `call_canceling` is always treated as `skip`.
//! - Timeout: `CALL.Options.timeout` (ms) runs here: when it passes the caller gets
//!   `wamp.error.timeout` and the callee an INTERRUPT (`killnowait`).
//! - A callee that leaves fails its calls with `wamp.error.canceled`; a caller that leaves has
//!   its invocations interrupted (`killnowait`).

use std::collections::{BTreeSet, HashMap};

use rustc_hash::FxHashMap;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use super::features::PeerFeatures;
use super::options::{copy_passthru, Opts, Violation};
use super::peer::PeerId;
use super::peers::Peers;
use super::random::IdGen;
use super::reason;
use super::session::Identity;
use crate::wamp::message::{
    Call, Cancel, ErrorMessage, Interrupt, Invocation, MessageType, ResultMessage, Yield,
};
use crate::wamp::uri::{MatchPolicy, PatternMap};
use crate::wamp::{Dict, Id, Message, Value};

/// How a shared registration picks the callee for a call (`REGISTER.Options.invoke`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum InvokePolicy {
    /// One callee only: not shared.
    #[default]
    Single,
    /// Each callee in turn.
    RoundRobin,
    /// A random callee.
    Random,
    /// The callee that registered first.
    First,
    /// The callee that registered last.
    Last,
}

impl InvokePolicy {
    /// The spec's name.
    pub fn as_str(self) -> &'static str {
        match self {
            InvokePolicy::Single => "single",
            InvokePolicy::RoundRobin => "roundrobin",
            InvokePolicy::Random => "random",
            InvokePolicy::First => "first",
            InvokePolicy::Last => "last",
        }
    }
}

impl fmt::Display for InvokePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InvokePolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            InvokePolicy::Single,
            InvokePolicy::RoundRobin,
            InvokePolicy::Random,
            InvokePolicy::First,
            InvokePolicy::Last,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
        .ok_or_else(|| {
            format!(
                "REGISTER.Options.invoke must be one of \"single\", \"roundrobin\", \"random\", \
                 \"first\", \"last\", found {s:?}"
            )
        })
    }
}

/// How a CANCEL ends a call (`CANCEL.Options.mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CancelMode {
    Skip,
    Kill,
    KillNoWait,
}

#[derive(Debug)]
struct Callee {
    peer: PeerId,
    disclose_caller: bool,
}

/// One registration: a pattern and its callee(s).
#[derive(Debug)]
pub(crate) struct Registration {
    id: Id,
    policy: MatchPolicy,
    procedure: String,
    invoke: InvokePolicy,
    callees: Vec<Callee>,
    /// Next callee for round robin.
    cursor: usize,
}

/// A call in flight.
#[derive(Debug)]
struct PendingCall {
    caller: PeerId,
    request: Id,
    callee: PeerId,
    invocation: Id,
    registration: Id,
    /// The caller asked for progressive results and the callee can send them.
    receive_progress: bool,
    /// INVOCATION.Details of the first chunk, while the caller is still sending progressive
    /// CALL chunks (frozen options).
    streaming: Option<Dict>,
    /// A `kill` cancel was forwarded; waiting for the callee's answer.
    killing: bool,
    callee_cancels: bool,
    deadline: Option<Instant>,
}

/// A realm's registrations and calls in flight.
#[derive(Debug, Default)]
pub(crate) struct Dealer {
    index: PatternMap<Id>,
    // Keyed by ids the router chose (registration, call, peer and invocation ids): a fast
    // hasher. `by_caller` is keyed by the caller's request ids, which a peer picks: SipHash.
    regs: FxHashMap<Id, Registration>,
    calls: FxHashMap<u64, PendingCall>,
    next_call: u64,
    by_caller: HashMap<(PeerId, Id), u64>,
    by_callee: FxHashMap<(PeerId, Id), u64>,
    deadlines: BTreeSet<(Instant, u64)>,
}

/// What a caller may have disclosed, decided by the realm's authorization.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallerInfo<'a> {
    pub identity: &'a Identity,
    pub features: PeerFeatures,
    /// Its role allows disclosing its identity.
    pub may_disclose: bool,
}

fn flag(name: &str) -> (String, Value) {
    (name.to_owned(), Value::Bool(true))
}

impl Dealer {
    /// Registers `peer` for `(policy, procedure)`. Joins an existing shared registration with
    /// the same invocation policy; anything else on an existing registration is refused with
    /// the reason.
    pub(crate) fn register(
        &mut self,
        ids: &mut IdGen,
        policy: MatchPolicy,
        procedure: &str,
        invoke: InvokePolicy,
        disclose_caller: bool,
        peer: PeerId,
    ) -> Result<Id, String> {
        let callee = Callee {
            peer,
            disclose_caller,
        };
        if let Some(reg) = self
            .index
            .get(policy, procedure)
            .and_then(|id| self.regs.get_mut(id))
        {
            if reg.callees.iter().any(|c| c.peer == peer) {
                return Err(format!(
                    "this session already registered {} procedure {procedure:?}",
                    policy
                ));
            }
            if reg.invoke == InvokePolicy::Single || reg.invoke != invoke {
                return Err(format!(
                    "{} procedure {procedure:?} is already registered with invocation policy \
                     {:?} (asked for {:?})",
                    policy,
                    reg.invoke.as_str(),
                    invoke.as_str()
                ));
            }
            reg.callees.push(callee);
            return Ok(reg.id);
        }
        let mut id = ids.id();
        while self.regs.contains_key(&id) {
            id = ids.id();
        }
        self.index.insert(policy, procedure, id);
        self.regs.insert(
            id,
            Registration {
                id,
                policy,
                procedure: procedure.to_owned(),
                invoke,
                callees: vec![callee],
                cursor: 0,
            },
        );
        Ok(id)
    }

    /// Removes `peer` from registration `id`, dropping the registration with its last callee.
    /// Calls in flight on it go on. Returns false when `peer` was not a callee of `id`.
    pub(crate) fn unregister(&mut self, id: Id, peer: PeerId) -> bool {
        let Some(reg) = self.regs.get_mut(&id) else {
            return false;
        };
        let Some(at) = reg.callees.iter().position(|c| c.peer == peer) else {
            return false;
        };
        reg.callees.remove(at);
        if reg.cursor > at {
            reg.cursor -= 1;
        }
        if reg.callees.is_empty() {
            self.index.remove(reg.policy, &reg.procedure);
            self.regs.remove(&id);
        }
        true
    }

    /// Number of registrations.
    pub(crate) fn len(&self) -> usize {
        self.regs.len()
    }

    /// Number of calls in flight.
    pub(crate) fn calls_in_flight(&self) -> usize {
        self.calls.len()
    }

    /// True when `(caller, request)` is a progressive call whose caller still sends chunks.
    pub(crate) fn is_streaming(&self, caller: PeerId, request: Id) -> bool {
        self.by_caller
            .get(&(caller, request))
            .and_then(|c| self.calls.get(c))
            .is_some_and(|c| c.streaming.is_some())
    }

    /// True when `(caller, request)` is a call in flight.
    pub(crate) fn is_pending(&self, caller: PeerId, request: Id) -> bool {
        self.by_caller.contains_key(&(caller, request))
    }

    fn pick(reg: &mut Registration, ids: &mut IdGen) -> Option<(PeerId, bool)> {
        let n = reg.callees.len();
        let at = match reg.invoke {
            InvokePolicy::Single | InvokePolicy::First => 0,
            InvokePolicy::Last => n.checked_sub(1)?,
            InvokePolicy::Random => ids.below(n),
            InvokePolicy::RoundRobin => {
                let at = reg.cursor % n.max(1);
                reg.cursor = (at + 1) % n.max(1);
                at
            }
        };
        reg.callees.get(at).map(|c| (c.peer, c.disclose_caller))
    }

    /// A new CALL, already checked for URI and authorization.
    pub(crate) fn call(
        &mut self,
        peers: &mut Peers,
        ids: &mut IdGen,
        now: Instant,
        caller: PeerId,
        who: CallerInfo<'_>,
        call: Call,
    ) -> Result<(), Violation> {
        let opts = Opts::new(&call.options, "CALL.Options");
        let progress = opts.bool("progress", false)?;
        let receive_progress = opts.bool("receive_progress", false)?;
        let disclose_me = opts.bool("disclose_me", false)?;
        let timeout = opts.u64("timeout")?.unwrap_or(0);
        if progress
            && !who
                .features
                .contains(PeerFeatures::CALLER_PROGRESSIVE_INVOCATIONS)
        {
            return Err("CALL with progress=true, but the caller did not announce \
                        progressive_call_invocations"
                .to_owned());
        }
        let fail = |peers: &mut Peers, uri: &str, text: String| {
            peers.send(
                caller,
                reason::error(MessageType::Call, call.request, uri, text),
            );
        };
        let Some(&reg_id) = self.index.best_match(&call.procedure).map(|m| m.value) else {
            fail(
                peers,
                reason::NO_SUCH_PROCEDURE,
                format!("no callee registered procedure {:?}", call.procedure),
            );
            return Ok(());
        };
        let Some(reg) = self.regs.get_mut(&reg_id) else {
            return Ok(());
        };
        let policy = reg.policy;
        let Some((callee, reg_discloses)) = Self::pick(reg, ids) else {
            return Ok(());
        };
        let features = peers
            .session(callee)
            .map(|s| s.features)
            .unwrap_or_default();
        if progress && !features.contains(PeerFeatures::CALLEE_PROGRESSIVE_INVOCATIONS) {
            fail(
                peers,
                reason::FEATURE_NOT_SUPPORTED,
                "the callee does not support progressive call invocations".to_owned(),
            );
            return Ok(());
        }
        let receive_progress =
            receive_progress && features.contains(PeerFeatures::CALLEE_PROGRESSIVE_RESULTS);
        let mut details = Dict::new();
        if who.may_disclose && (disclose_me || reg_discloses) {
            let id = who.identity;
            details.insert("caller".to_owned(), Value::from(id.session));
            details.insert("caller_authid".to_owned(), Value::from(&*id.authid));
            details.insert("caller_authrole".to_owned(), Value::from(&*id.authrole));
        }
        if policy != MatchPolicy::Exact {
            details.insert("procedure".to_owned(), Value::from(call.procedure.as_str()));
        }
        if receive_progress {
            details.extend([flag("receive_progress")]);
        }
        copy_passthru(&call.options, &mut details);
        let Some(session) = peers.session_mut(callee) else {
            return Ok(());
        };
        let invocation = session.next_invocation();
        let deadline = (timeout > 0).then(|| now + Duration::from_millis(timeout));
        let streaming = progress.then(|| details.clone());
        if progress {
            details.extend([flag("progress")]);
        }
        let id = self.next_call;
        self.next_call += 1;
        self.calls.insert(
            id,
            PendingCall {
                caller,
                request: call.request,
                callee,
                invocation,
                registration: reg_id,
                receive_progress,
                streaming,
                killing: false,
                callee_cancels: features.contains(PeerFeatures::CALLEE_CANCELING),
                deadline,
            },
        );
        self.by_caller.insert((caller, call.request), id);
        self.by_callee.insert((callee, invocation), id);
        if let Some(d) = deadline {
            self.deadlines.insert((d, id));
        }
        if let Some(s) = peers.session_mut(caller) {
            s.pending_calls += 1;
        }
        peers.send(
            callee,
            Message::Invocation(Invocation {
                request: invocation,
                registration: reg_id,
                details,
                payload: call.payload,
            }),
        );
        Ok(())
    }

    /// A further chunk of a progressive call ([`is_streaming`](Self::is_streaming) is true).
    pub(crate) fn continue_call(
        &mut self,
        peers: &mut Peers,
        caller: PeerId,
        call: Call,
    ) -> Result<(), Violation> {
        let progress = Opts::new(&call.options, "CALL.Options").bool("progress", false)?;
        let Some(pc) = self
            .by_caller
            .get(&(caller, call.request))
            .and_then(|id| self.calls.get_mut(id))
        else {
            return Ok(());
        };
        let Some(base) = pc.streaming.as_ref() else {
            return Ok(());
        };
        let mut details = base.clone();
        if progress {
            details.extend([flag("progress")]);
        } else {
            pc.streaming = None;
        }
        peers.send(
            pc.callee,
            Message::Invocation(Invocation {
                request: pc.invocation,
                registration: pc.registration,
                details,
                payload: call.payload,
            }),
        );
        Ok(())
    }

    /// Removes a call from every table.
    fn finish(&mut self, peers: &mut Peers, id: u64) -> Option<PendingCall> {
        let pc = self.calls.remove(&id)?;
        self.by_caller.remove(&(pc.caller, pc.request));
        self.by_callee.remove(&(pc.callee, pc.invocation));
        if let Some(d) = pc.deadline {
            self.deadlines.remove(&(d, id));
        }
        if let Some(s) = peers.session_mut(pc.caller) {
            s.pending_calls = s.pending_calls.saturating_sub(1);
        }
        Some(pc)
    }

    /// A YIELD from a callee. Answers to invocations no longer in flight (canceled, timed out)
    /// are dropped, as the spec asks.
    pub(crate) fn yield_(
        &mut self,
        peers: &mut Peers,
        callee: PeerId,
        y: Yield,
    ) -> Result<(), Violation> {
        let progress = Opts::new(&y.options, "YIELD.Options").bool("progress", false)?;
        let Some(&id) = self.by_callee.get(&(callee, y.request)) else {
            return Ok(());
        };
        let mut details = Dict::new();
        copy_passthru(&y.options, &mut details);
        if progress {
            let Some(pc) = self.calls.get(&id) else {
                return Ok(());
            };
            if !pc.receive_progress {
                return Err(format!(
                    "progressive YIELD for invocation {} that did not ask for progressive results",
                    y.request
                ));
            }
            details.extend([flag("progress")]);
            let (caller, request) = (pc.caller, pc.request);
            peers.send(
                caller,
                Message::Result(ResultMessage {
                    request,
                    details,
                    payload: y.payload,
                }),
            );
            return Ok(());
        }
        if let Some(pc) = self.finish(peers, id) {
            peers.send(
                pc.caller,
                Message::Result(ResultMessage {
                    request: pc.request,
                    details,
                    payload: y.payload,
                }),
            );
        }
        Ok(())
    }

    /// An ERROR from a callee for one of its invocations.
    pub(crate) fn error(&mut self, peers: &mut Peers, callee: PeerId, e: ErrorMessage) {
        let Some(&id) = self.by_callee.get(&(callee, e.request)) else {
            return;
        };
        if let Some(pc) = self.finish(peers, id) {
            let mut details = Dict::new();
            copy_passthru(&e.details, &mut details);
            peers.send(
                pc.caller,
                Message::Error(ErrorMessage {
                    request_type: MessageType::Call,
                    request: pc.request,
                    details,
                    error: e.error,
                    payload: e.payload,
                }),
            );
        }
    }

    /// A CANCEL from a caller.
    pub(crate) fn cancel(
        &mut self,
        peers: &mut Peers,
        caller: PeerId,
        c: Cancel,
    ) -> Result<(), Violation> {
        let mode = match Opts::new(&c.options, "CANCEL.Options").str("mode")? {
            None | Some("killnowait") => CancelMode::KillNoWait,
            Some("kill") => CancelMode::Kill,
            Some("skip") => CancelMode::Skip,
            Some(other) => {
                return Err(format!(
                    "CANCEL.Options.mode must be \"skip\", \"kill\" or \"killnowait\", found \
                     {other:?}"
                ))
            }
        };
        let Some(&id) = self.by_caller.get(&(caller, c.request)) else {
            return Ok(());
        };
        let Some(pc) = self.calls.get_mut(&id) else {
            return Ok(());
        };
        if pc.killing {
            return Ok(());
        }
        let mode = if pc.callee_cancels {
            mode
        } else {
            CancelMode::Skip
        };
        if mode == CancelMode::Kill {
            pc.killing = true;
            let (callee, invocation) = (pc.callee, pc.invocation);
            peers.send(callee, interrupt(invocation, "kill", reason::CANCELED));
            return Ok(());
        }
        if let Some(pc) = self.finish(peers, id) {
            peers.send(
                caller,
                reason::error(
                    MessageType::Call,
                    pc.request,
                    reason::CANCELED,
                    "the call was canceled by the caller",
                ),
            );
            if mode == CancelMode::KillNoWait {
                peers.send(
                    pc.callee,
                    interrupt(pc.invocation, "killnowait", reason::CANCELED),
                );
            }
        }
        Ok(())
    }

    /// The earliest call deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(d, _)| *d)
    }

    /// Fails every call whose deadline is at or before `now` with `wamp.error.timeout`.
    pub(crate) fn expire(&mut self, peers: &mut Peers, now: Instant) {
        while let Some(&(deadline, id)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            self.deadlines.remove(&(deadline, id));
            if let Some(pc) = self.finish(peers, id) {
                peers.send(
                    pc.caller,
                    reason::error(
                        MessageType::Call,
                        pc.request,
                        reason::TIMEOUT,
                        "the call did not finish within its timeout",
                    ),
                );
                if pc.callee_cancels {
                    peers.send(
                        pc.callee,
                        interrupt(pc.invocation, "killnowait", reason::TIMEOUT),
                    );
                }
            }
        }
    }

    /// Cleans up after a session that left: its registrations go, calls it made are
    /// interrupted at their callees, calls made to it fail with `wamp.error.canceled`.
    pub(crate) fn remove_session(
        &mut self,
        peers: &mut Peers,
        peer: PeerId,
        registrations: impl IntoIterator<Item = Id>,
    ) {
        for id in registrations {
            self.unregister(id, peer);
        }
        let mut mine: Vec<u64> = self
            .calls
            .iter()
            .filter(|(_, c)| c.caller == peer || c.callee == peer)
            .map(|(id, _)| *id)
            .collect();
        // Answer in the order the calls were made.
        mine.sort_unstable();
        for id in mine {
            let Some(pc) = self.finish(peers, id) else {
                continue;
            };
            if pc.callee == peer {
                peers.send(
                    pc.caller,
                    reason::error(
                        MessageType::Call,
                        pc.request,
                        reason::CANCELED,
                        "the callee left before answering",
                    ),
                );
            } else if pc.callee_cancels {
                peers.send(
                    pc.callee,
                    interrupt(pc.invocation, "killnowait", reason::CANCELED),
                );
            }
        }
    }
}

/// An INTERRUPT; `why` must be a URI (autobahn-python checks `Options.reason` as one and drops
/// the connection otherwise).
fn interrupt(invocation: Id, mode: &str, why: &str) -> Message {
    let mut options = Dict::new();
    options.insert("mode".to_owned(), Value::from(mode));
    options.insert("reason".to_owned(), Value::from(why));
    Message::Interrupt(Interrupt {
        request: invocation,
        options,
    })
}
