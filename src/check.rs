//! `rules check`: every rule must find each of its examples (extracting the expected secret) and
//! none of its negative examples, when run through the real engine with the whole pack loaded.

use crate::engine::{Engine, Match};

#[derive(Debug, Default)]
pub struct CheckOutcome {
    pub rules: usize,
    pub examples: usize,
    pub negative_examples: usize,
    pub failures: Vec<String>,
}

impl CheckOutcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

pub fn check(engine: &Engine) -> CheckOutcome {
    let mut outcome = CheckOutcome::default();
    let mut scratch = engine.new_scratch();
    let mut matches: Vec<Match> = Vec::new();
    for (idx, rule) in engine.rules().rules().iter().enumerate() {
        outcome.rules += 1;
        let origin = &rule.info.origin;
        let id = rule.id();
        let compiled = match rule.matcher.get() {
            Ok(m) => m
                .regex()
                .map(|_| ())
                .map_err(|e| format!("bad pattern: {e}")),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = compiled {
            outcome.failures.push(format!("{origin}: rule {id}: {e}"));
            continue;
        }
        for (n, ex) in rule.examples.iter().enumerate() {
            outcome.examples += 1;
            matches.clear();
            engine.find_raw(ex.text.as_bytes(), &mut scratch, &mut matches);
            let found: Vec<&[u8]> = matches
                .iter()
                .filter(|m| m.rule == idx)
                .map(|m| &ex.text.as_bytes()[m.secret_range()])
                .collect();
            if found.is_empty() {
                outcome.failures.push(format!(
                    "{origin}: rule {id}: example {} is not matched: {:?}",
                    n + 1,
                    ex.text
                ));
            } else if !found.contains(&ex.secret.as_bytes()) {
                let got: Vec<String> = found
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect();
                outcome.failures.push(format!(
                    "{origin}: rule {id}: example {} extracts {got:?}, expected {:?}",
                    n + 1,
                    ex.secret
                ));
            }
        }
        for (n, neg) in rule.negative_examples.iter().enumerate() {
            outcome.negative_examples += 1;
            matches.clear();
            engine.find_raw(neg.as_bytes(), &mut scratch, &mut matches);
            if let Some(m) = matches.iter().find(|m| m.rule == idx) {
                outcome.failures.push(format!(
                    "{origin}: rule {id}: negative example {} is matched ({:?}): {neg:?}",
                    n + 1,
                    String::from_utf8_lossy(&neg.as_bytes()[m.secret_range()])
                ));
            }
        }
    }
    outcome
}
