//! `leakhound rules list` and `leakhound rules check`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::Exit;
use super::args::RuleArgs;
use super::config::{load_engine, rule_loader};
use crate::check;

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules a scan would use.
    List(ListArgs),
    /// Check every rule: it compiles, its id is unique, it finds each of its examples (extracting
    /// the expected secret) and none of its negative examples. Exit 0 when all pass, 1 when an
    /// example fails, 2 when the rules cannot be loaded.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Rule files or directories to check together with the built-in pack.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
}

pub fn run(cmd: RulesCommand) -> anyhow::Result<Exit> {
    match cmd {
        RulesCommand::List(args) => list(args),
        RulesCommand::Check(args) => check_rules(args),
    }
}

fn list(args: ListArgs) -> anyhow::Result<Exit> {
    let engine = load_engine(&rule_loader(&args.rules))?;
    let rules = engine.rules();
    if args.json {
        let items: Vec<_> = rules
            .rules()
            .iter()
            .map(|r| {
                json!({
                    "id": r.info.id,
                    "name": r.info.name,
                    "provider": r.info.provider,
                    "confidence": r.info.confidence,
                    "keywords": r.keywords,
                    "validator": r.validator.map(|v| v.name()),
                    "min_entropy": r.min_entropy,
                    "fallback": r.fallback,
                    "anchored": r.matcher.get().ok().map(|m| m.anchored),
                    "reach": r.matcher.get().ok().map(|m| m.reach),
                    "references": r.info.references,
                    "origin": r.info.origin,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
    } else {
        let width = rules
            .rules()
            .iter()
            .map(|r| r.info.id.len())
            .max()
            .unwrap_or(0);
        for r in rules.rules() {
            println!(
                "{:width$}  {:6}  {}",
                r.info.id,
                r.info.confidence.as_str(),
                r.info.name
            );
        }
        println!(
            "{} rules, {} providers",
            rules.len(),
            rules.providers().len()
        );
    }
    Ok(Exit::Clean)
}

fn check_rules(args: CheckArgs) -> anyhow::Result<Exit> {
    let mut loader = rule_loader(&args.rules);
    loader.paths.extend(args.paths);
    loader.examples = true;
    let engine = load_engine(&loader)?;
    for w in &engine.rules().warnings {
        eprintln!("leakhound: warning: {w}");
    }
    let outcome = check::check(&engine);
    for f in &outcome.failures {
        println!("FAIL {f}");
    }
    println!(
        "{} rules, {} examples, {} negative examples: {}",
        outcome.rules,
        outcome.examples,
        outcome.negative_examples,
        if outcome.passed() {
            "all pass".to_string()
        } else {
            format!("{} failures", outcome.failures.len())
        }
    );
    Ok(if outcome.passed() {
        Exit::Clean
    } else {
        Exit::Findings
    })
}
