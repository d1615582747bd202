//! Every decoder (base64) on any bytes: spans must lie inside the input.
#![no_main]

use leakhound::extract::{Limits, Nested};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let nested = Nested::all(Limits::default());
    for decoder in &nested.decoders {
        decoder.decode(data, &mut |span, _decoded| {
            assert!(span.start <= span.end && span.end <= data.len());
        });
    }
});
