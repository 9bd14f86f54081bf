#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tranche_fuzz::iati_xml(data));
