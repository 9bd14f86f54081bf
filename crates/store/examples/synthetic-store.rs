//! Writes a synthetic store of N events (pledges announced, committed and paid three times):
//! the input of the cold-read and `tranche verify` figures in docs/PERFORMANCE.md.
//!
//!   cargo run --release -p tranche-store --example synthetic-store -- /tmp/m.db 1000000

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(events)) = (args.next(), args.next().and_then(|n| n.parse::<u64>().ok())) else {
        eprintln!("usage: synthetic-store PATH EVENTS");
        std::process::exit(2);
    };
    let ledger = tranche_store::synthetic::build_store(std::path::Path::new(&path), events);
    println!("{path}: {} events", ledger.head());
}
