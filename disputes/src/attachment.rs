//! Checking a file a debtor sends: its type from its first bytes (never from what the browser
//! says), its size, and a name safe to show and to offer as a download. The one home of these
//! checks: files with a dispute and files with an income and expenses statement (payslips, bank
//! statements; `app::ssr::budget`) both pass [`check`], under the same limits.

use sha2::{Digest, Sha256};
use store::{AttachmentType, NewAttachment};

/// The largest file kept: 5 MiB.
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;
/// The most files one dispute (or one income and expenses statement) may carry.
pub const MAX_ATTACHMENTS: usize = 3;

/// Why a file was refused. `filename` is the name as sent, cut to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    /// Over [`MAX_ATTACHMENT_BYTES`].
    #[error("attachment {filename:?} is larger than {max_bytes} bytes")]
    TooLarge {
        /// The name as sent.
        filename: String,
        /// The limit.
        max_bytes: usize,
    },
    /// Not a PDF, JPEG or PNG by its bytes.
    #[error("attachment {filename:?} is not a PDF, JPEG or PNG")]
    Type {
        /// The name as sent.
        filename: String,
    },
    /// No bytes.
    #[error("attachment {filename:?} is empty")]
    Empty {
        /// The name as sent.
        filename: String,
    },
}

/// The uploads that are real files: a file input left empty still sends a part without a
/// name or bytes.
pub fn sent(uploads: &[Upload]) -> Vec<&Upload> {
    uploads
        .iter()
        .filter(|u| !(u.filename.is_empty() && u.bytes.is_empty()))
        .collect()
}
/// The longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 100;

/// A file as received from the form. `bytes` may stop one byte past
/// [`MAX_ATTACHMENT_BYTES`]: the caller need not read the rest of a file that is too large.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The name the browser sent (may hold a path, or anything at all).
    pub filename: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The type of `bytes` by their signature: PDF (`%PDF-`), PNG (its 8-byte signature) or
/// JPEG (`FF D8 FF`); `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<AttachmentType> {
    if bytes.starts_with(b"%PDF-") {
        Some(AttachmentType::Pdf)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(AttachmentType::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(AttachmentType::Jpeg)
    } else {
        None
    }
}

/// The extension that goes with a type.
pub const fn extension(kind: AttachmentType) -> &'static str {
    match kind {
        AttachmentType::Pdf => "pdf",
        AttachmentType::Jpeg => "jpg",
        AttachmentType::Png => "png",
    }
}

/// A file name safe to show and to put in a `Content-Disposition` header: the last path
/// component, ASCII letters, digits, spaces, dots, dashes and underscores only (anything else
/// becomes `_`), no leading dots, at most 100 characters, ending in the extension of the
/// type the bytes really are.
pub fn sanitise_filename(raw: &str, kind: AttachmentType) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ext = extension(kind);
    let trimmed = cleaned.trim().trim_start_matches('.');
    let stem = match trimmed.rsplit_once('.') {
        Some((stem, _)) => stem.trim(),
        None => trimmed,
    };
    let stem = if stem.is_empty() { "bijlage" } else { stem };
    let stem: String = stem.chars().take(MAX_NAME_CHARS - ext.len() - 1).collect();
    format!("{stem}.{ext}")
}

/// Checks one upload and turns it into what the store keeps.
pub fn check(upload: &Upload) -> Result<NewAttachment, AttachmentError> {
    let name = || {
        upload
            .filename
            .chars()
            .take(MAX_NAME_CHARS)
            .collect::<String>()
    };
    if upload.bytes.is_empty() {
        return Err(AttachmentError::Empty { filename: name() });
    }
    if upload.bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(AttachmentError::TooLarge {
            filename: name(),
            max_bytes: MAX_ATTACHMENT_BYTES,
        });
    }
    let kind = sniff(&upload.bytes).ok_or_else(|| AttachmentError::Type { filename: name() })?;
    Ok(NewAttachment {
        filename: sanitise_filename(&upload.filename, kind),
        content_type: kind,
        sha256: hex::encode(Sha256::digest(&upload.bytes)),
        content: upload.bytes.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_type_comes_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(AttachmentType::Pdf));
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(AttachmentType::Png)
        );
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(AttachmentType::Jpeg));
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None); // a Windows executable
        assert_eq!(sniff(b"%PD"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn names_are_sanitised_and_get_the_real_extension() {
        let pdf = AttachmentType::Pdf;
        assert_eq!(sanitise_filename("bewijs.pdf", pdf), "bewijs.pdf");
        assert_eq!(
            sanitise_filename("C:\\Users\\me\\afschrift mei.pdf", pdf),
            "afschrift mei.pdf"
        );
        assert_eq!(sanitise_filename("../../etc/passwd", pdf), "passwd.pdf");
        assert_eq!(
            sanitise_filename("evil\".html\r\nX-Header: 1", pdf),
            "evil_.pdf"
        );
        assert_eq!(
            sanitise_filename("photo.exe", AttachmentType::Jpeg),
            "photo.jpg"
        );
        assert_eq!(sanitise_filename(".htaccess", pdf), "htaccess.pdf");
        assert_eq!(sanitise_filename("", AttachmentType::Png), "bijlage.png");
        assert_eq!(sanitise_filename("...", pdf), "bijlage.pdf");
        let long = "a".repeat(300);
        assert_eq!(sanitise_filename(&long, pdf).chars().count(), 100);
    }

    #[test]
    fn checks_refuse_with_a_reason() {
        let upload = |name: &str, bytes: Vec<u8>| Upload {
            filename: name.into(),
            bytes,
        };
        let ok = check(&upload("a.pdf", b"%PDF-1.4 hello".to_vec())).unwrap();
        assert_eq!(ok.content_type, AttachmentType::Pdf);
        assert_eq!(ok.sha256.len(), 64);
        assert!(matches!(
            check(&upload("a.html", b"<html>".to_vec())),
            Err(AttachmentError::Type { .. })
        ));
        // A PDF name on other bytes is still refused: the name and the browser's type do not
        // count.
        assert!(matches!(
            check(&upload("a.pdf", b"GIF89a".to_vec())),
            Err(AttachmentError::Type { .. })
        ));
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_ATTACHMENT_BYTES + 1, b' ');
        assert!(matches!(
            check(&upload("big.pdf", big)),
            Err(AttachmentError::TooLarge { .. })
        ));
        let mut exact = b"%PDF-".to_vec();
        exact.resize(MAX_ATTACHMENT_BYTES, b' ');
        assert!(check(&upload("exact.pdf", exact)).is_ok());
        assert!(matches!(
            check(&upload("empty.pdf", Vec::new())),
            Err(AttachmentError::Empty { .. })
        ));
    }

    proptest! {
        #[test]
        fn a_sanitised_name_is_always_safe(raw in ".{0,300}") {
            for kind in [AttachmentType::Pdf, AttachmentType::Jpeg, AttachmentType::Png] {
                let name = sanitise_filename(&raw, kind);
                prop_assert!(name.chars().count() <= MAX_NAME_CHARS);
                let ext = format!(".{}", extension(kind));
                prop_assert!(name.ends_with(&ext));
                prop_assert!(!name.starts_with('.'));
                prop_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_')));
            }
        }
    }
}
