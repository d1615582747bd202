//! Engine throughput (MB/s) on generated text: source-like lines with a few planted secrets, run
//! through the built-in rule pack. `cargo bench --bench engine`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leakhound::engine::{Engine, Match};
use leakhound::rules::RuleLoader;

/// About `size` bytes of code-like text: assignments, comments, identifiers that mention
/// `token`/`password`/`key` (which the prefilter must reject cheaply), and a secret every ~64 KiB.
fn corpus(size: usize) -> Vec<u8> {
    let lines: &[&str] = &[
        "    let token_count = tokenizer.tokens().len();\n",
        "    // The password field is validated by PasswordPolicy before it is hashed.\n",
        "    if (config.api_key_path != NULL) { load_key(config.api_key_path); }\n",
        "    result = session.get(url, headers={'Accept': 'application/json'}, timeout=30)\n",
        "    for (i, entry) in entries.iter().enumerate() { total += entry.size as u64; }\n",
        "  secret_name: db-credentials   # resolved at deploy time\n",
        "export PATH=\"$HOME/.local/bin:$PATH\"\n",
        "    <input type=\"password\" name=\"password\" autocomplete=\"current-password\">\n",
    ];
    let mut out = Vec::with_capacity(size + 256);
    let mut i = 0usize;
    while out.len() < size {
        out.extend_from_slice(lines[i % lines.len()].as_bytes());
        if i % 800 == 799 {
            out.extend_from_slice(b"AWS_ACCESS_KEY_ID=AKIAS4KFLF65A3RA2ZC4\n");
        }
        i += 1;
    }
    out
}

fn throughput(c: &mut Criterion) {
    let engine = Engine::new(RuleLoader::default().load().expect("built-in rules load"));
    let mut group = c.benchmark_group("engine");
    for (name, size) in [("64KiB", 64 << 10), ("8MiB", 8 << 20)] {
        let data = corpus(size);
        group.throughput(Throughput::Bytes(data.len() as u64));
        let mut scratch = engine.new_scratch();
        let mut out: Vec<Match> = Vec::new();
        group.bench_function(format!("find/{name}"), |b| {
            b.iter(|| {
                engine.find(&data, &mut scratch, &mut out);
                out.len()
            })
        });
    }
    group.finish();
}

fn startup(c: &mut Criterion) {
    // Loading and compiling the pack happens on every run, including every pre-commit hook.
    c.bench_function("engine/compile-builtin-pack", |b| {
        b.iter(|| Engine::new(RuleLoader::default().load().expect("built-in rules load")))
    });
}

criterion_group!(benches, throughput, startup);
criterion_main!(benches);
