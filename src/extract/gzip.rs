//! gzip streams (`.gz`, `.tgz`'s outer layer): one member, named after the file without `.gz`.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

use super::Extractor;
use crate::finding::MemberProvenance;

pub struct Gzip;

impl Extractor for Gzip {
    fn claims(&self, head: &[u8]) -> bool {
        head.starts_with(&[0x1f, 0x8b, 0x08])
    }

    fn extract(
        &self,
        path: &[u8],
        input: &mut dyn Read,
        member: &mut dyn FnMut(MemberProvenance, &mut dyn Read) -> io::Result<()>,
    ) -> io::Result<()> {
        let name = member_name(path);
        let mut decoder = MultiGzDecoder::new(input);
        member(
            MemberProvenance {
                name,
                format: "gzip",
            },
            &mut decoder,
        )
    }
}

/// `logs/app.log.gz` -> `app.log`; `bundle.tgz` -> `bundle.tar`; anything else -> `(gzip)`.
fn member_name(path: &[u8]) -> Vec<u8> {
    let file = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    if let Some(stem) = file.strip_suffix(b".gz").filter(|s| !s.is_empty()) {
        return stem.to_vec();
    }
    if let Some(stem) = file.strip_suffix(b".tgz").filter(|s| !s.is_empty()) {
        let mut name = stem.to_vec();
        name.extend_from_slice(b".tar");
        return name;
    }
    b"(gzip)".to_vec()
}

#[cfg(test)]
mod tests {
    use super::member_name;

    #[test]
    fn members_are_named_after_the_file() {
        assert_eq!(member_name(b"logs/app.log.gz"), b"app.log");
        assert_eq!(member_name(b"bundle.tgz"), b"bundle.tar");
        assert_eq!(member_name(b"blob"), b"(gzip)");
        assert_eq!(member_name(b".gz"), b"(gzip)");
    }
}
