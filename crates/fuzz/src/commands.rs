//! Commands in their JSON form, as the HTTP API (`{"command": ..., "command_id": ...}`) and the
//! stored envelopes (`{"command_id", "actor", "command"}`) read them: one document, or one per
//! line, run in order from the shipped record, so a sequence (the exercise's script is a seed)
//! reaches packages, allocations and deliveries. What parses must write back the same; what the
//! domain accepts must apply, store as JSON and keep the invariants; at the end every report
//! must answer.

use serde::Deserialize;
use tranche_core::{Command, Envelope};

use crate::fixture::{self, Fixture};
use crate::{reports_answer, round_trip_json};

/// The most commands one input runs: a bound, so one input costs at most a few milliseconds.
const MAX_COMMANDS: usize = 200;

/// The body of `POST /api/v1/commands` (crates/api's `CommandRequest`, which is private there).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Read by serde only: the id is checked by the API, not here.
struct CommandRequest {
    command_id: Option<String>,
    command: Command,
}

pub fn command_json(data: &[u8]) {
    let commands: Vec<Command> = match parse(data) {
        Some(command) => vec![command],
        None => data.split(|b| *b == b'\n').filter_map(parse).take(MAX_COMMANDS).collect(),
    };
    let record = fixture::record();
    let mut state = Fixture { state: record.state.clone(), rates: record.rates.clone() };
    for command in &commands {
        decide_and_apply(&mut state, command);
    }
    reports_answer(&state.state, &state.rates);
}

/// A command in either form; each form read must write back the same.
fn parse(json: &[u8]) -> Option<Command> {
    if let Ok(envelope) = serde_json::from_slice::<Envelope>(json) {
        round_trip_json(&envelope);
        return Some(envelope.command);
    }
    let request = serde_json::from_slice::<CommandRequest>(json).ok()?;
    round_trip_json(&request.command);
    Some(request.command)
}

fn decide_and_apply(fixture: &mut Fixture, command: &Command) {
    // A refusal is the domain's answer; only what it accepts is checked further.
    let Ok(events) = fixture.state.decide(&fixture.rates, command) else { return };
    for event in &events {
        round_trip_json(event);
        if let Err(e) = fixture.state.apply(event) {
            panic!("a decided event does not apply: {e}\n{event:?}");
        }
    }
    if let Err(e) = fixture.state.check_invariants() {
        panic!("a decided command breaks an invariant: {e}\n{command:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seeds reach deep only if the record state accepts them: the exercise's script whole,
    /// and the hand-written commands of the seeds.
    #[test]
    fn the_record_state_accepts_the_exercise_and_the_extra_seeds() {
        let record = fixture::record();
        let mut state = record.state.clone();
        for step in tranche_io::exercise::steps() {
            let refused = state.execute(&record.rates, &step.command).err();
            assert!(refused.is_none(), "{}: {refused:?}", step.command_id);
        }
        for json in crate::seeds::MORE_COMMANDS {
            let envelope: Envelope = serde_json::from_str(json).expect("a seed parses");
            let refused = record.state.clone().execute(&record.rates, &envelope.command).err();
            assert!(refused.is_none(), "{json}: {refused:?}");
        }
    }
}
