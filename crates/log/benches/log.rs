//! The Merkle tree at 10,000,000 leaves: appending a leaf, inclusion and consistency proofs,
//! and verifying them. Figures in docs/PERFORMANCE.md; `cargo bench -p tranche-log`.

use criterion::{Criterion, criterion_group, criterion_main};
use tranche_log::merkle::{Tree, leaf_hash, verify_consistency, verify_inclusion};

/// Leaves of the tree: `TRANCHE_BENCH_LEAVES`, default 10,000,000 (`scripts/bench --quick` sets
/// a small one).
fn leaves() -> u64 {
    std::env::var("TRANCHE_BENCH_LEAVES").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000_000)
}

fn tree(c: &mut Criterion) {
    let mut tree = Tree::new();
    let leaves = leaves();
    for i in 0..leaves {
        tree.push(leaf_hash(&i.to_be_bytes()));
    }
    let size = tree.size();
    let root = tree.root();
    let mut group = c.benchmark_group(format!("tree/{leaves}_leaves"));
    let mut next = 0u64;
    group.bench_function("inclusion_proof", |b| {
        b.iter(|| {
            next = (next + 7_919_993) % size;
            tree.inclusion_proof(next, size).unwrap()
        })
    });
    group.bench_function("consistency_proof", |b| {
        b.iter(|| {
            next = (next + 7_919_993) % size;
            tree.consistency_proof(next.max(1), size).unwrap()
        })
    });
    let index = size * 42 / 100;
    let proof = tree.inclusion_proof(index, size).unwrap();
    let leaf = tree.leaf(index).unwrap();
    group.bench_function("verify_inclusion", |b| {
        b.iter(|| assert!(verify_inclusion(index, size, &leaf, &proof, &root)))
    });
    let old_size = size * 6 / 10 + 1;
    let old = tree.root_at(old_size).unwrap();
    let consistency = tree.consistency_proof(old_size, size).unwrap();
    group.bench_function("verify_consistency", |b| {
        b.iter(|| assert!(verify_consistency(old_size, size, &old, &root, &consistency)))
    });
    group.bench_function("root", |b| b.iter(|| tree.root_at(size - 1).unwrap()));
    // Appending: at most log2(n) node hashes (amortised fewer than two), plus the leaf's own
    // hash; the tree keeps growing past 10M while this runs.
    let leaf = leaf_hash(b"one more");
    group.bench_function("append_one_leaf", |b| b.iter(|| tree.push(leaf)));
    group.finish();
}

criterion_group!(benches, tree);
criterion_main!(benches);
