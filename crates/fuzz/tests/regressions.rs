//! Every input the fuzzer once crashed on (fuzz/regressions/<target>/) and every seed
//! (fuzz/seeds/<target>/) runs through its entry point: a crash found once stays a test, without
//! the fuzzer. Inputs whose crash is not fixed yet wait in fuzz/pending/, which is not run here.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use tranche_fuzz::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `folder/<target>/`, sorted; none when the folder does not exist.
fn inputs(folder: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(folder).join(target)) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|entry| entry.expect("a readable folder").path()).collect();
    files.sort();
    files
}

/// Runs every input of `folder` through its target; fails naming each input that panics.
fn check(folder: &str) -> usize {
    let mut failures = Vec::new();
    let mut count = 0;
    for (target, run) in TARGETS {
        for file in inputs(folder, target) {
            let data = std::fs::read(&file).expect("a readable input");
            count += 1;
            if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
                failures.push(format!("{target}: {}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "these inputs crash their target:\n{}", failures.join("\n"));
    count
}

#[test]
fn kept_crashes_stay_fixed() {
    check("regressions");
}

#[test]
fn every_seed_passes_and_every_target_has_seeds() {
    let count = check("seeds");
    let bare: Vec<&str> = TARGETS.iter().map(|(t, _)| *t).filter(|t| inputs("seeds", t).is_empty()).collect();
    assert!(bare.is_empty(), "targets without seeds: {bare:?}");
    assert!(count >= TARGETS.len());
}

/// A folder under seeds/, regressions/ or pending/ that names no target would never be run.
#[test]
fn every_folder_names_a_target() {
    for folder in ["seeds", "regressions", "pending"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(folder)) else { continue };
        for entry in entries {
            let name = entry.expect("a readable folder").file_name().into_string().expect("a UTF-8 name");
            assert!(TARGETS.iter().any(|(t, _)| *t == name), "fuzz/{folder}/{name} names no target");
        }
    }
}

/// Every target has a libFuzzer binary in fuzz/ that calls it.
#[test]
fn every_target_has_a_fuzz_binary() {
    for (target, _) in TARGETS {
        let path = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(source.contains(&format!("tranche_fuzz::{target}(data)")), "{} calls another target", path.display());
    }
}
