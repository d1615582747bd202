//! Every extractor (gzip) on any bytes, reading at most 1 MiB of each member.
#![no_main]

use std::io::Read;

use leakhound::extract::{Limits, Nested};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let nested = Nested::all(Limits::default());
    let Some(extractor) = nested.extractor_for(data) else {
        return;
    };
    let mut input = data;
    let _ = extractor.extract(b"fuzz.gz", &mut input, &mut |_member, reader| {
        std::io::copy(&mut reader.take(1 << 20), &mut std::io::sink()).map(|_| ())
    });
});
