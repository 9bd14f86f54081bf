//! Writes the seed corpora: `cargo run -p tranche-fuzz --example seeds` (from the workspace
//! root) replaces fuzz/seeds/ with the seeds `tranche_fuzz::seeds::all` makes, and writes the
//! dictionaries fuzz/dict/<target>.dict from them.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let history = std::fs::read_to_string(root.join("../shared/data/ecb-eurofxref-hist.csv")).ok();
    let out = root.join("fuzz/seeds");
    if out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    let seeds = tranche_fuzz::seeds::all(history.as_deref());
    for seed in &seeds {
        let folder = out.join(seed.target);
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join(&seed.name), &seed.bytes)?;
    }
    let dictionaries = root.join("fuzz/dict");
    std::fs::create_dir_all(&dictionaries)?;
    for (target, words) in tranche_fuzz::seeds::dictionaries(&seeds) {
        std::fs::write(dictionaries.join(format!("{target}.dict")), words)?;
    }
    println!("{} seeds written to {}, dictionaries to {}", seeds.len(), out.display(), dictionaries.display());
    Ok(())
}
