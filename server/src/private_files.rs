//! Files that hold secrets or personal data (the letter run's CSV and QR codes, the new
//! secrets of an import): readable by the owner only, never written through a symlink, and
//! never over an existing file unless the operator asked for it.

use anyhow::{Context, Result, bail};
use std::fs::{File, OpenOptions};
use std::path::Path;

/// Creates `dir` (and its parents) for private files, mode 0700; an existing directory is
/// used as it is, a symlink is refused (it could point anywhere, e.g. a shared folder).
pub fn create_dir(dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => {
            bail!("{} is a symbolic link; give the real folder", dir.display())
        }
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => bail!("{} exists and is not a folder", dir.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("inspect {}", dir.display())),
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("create {}", dir.display()))
}

/// Creates `path` for writing, mode 0600. Without `overwrite` an existing file (or link) is
/// refused; with it, the old entry is removed first, so that a symlink planted there is
/// removed rather than followed. The file is always made new (`O_CREAT | O_EXCL`), which
/// never follows a symlink.
pub fn create_file(path: &Path, overwrite: bool) -> Result<File> {
    if overwrite {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("replace {}", path.display())),
        }
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists; move it away or pass --overwrite",
                path.display()
            )
        } else {
            anyhow::Error::new(e).context(format!("create {}", path.display()))
        }
    })
}

/// Writes `bytes` to a new private file at `path` (see [`create_file`]).
pub fn write(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    use std::io::Write;
    let mut file = create_file(path, overwrite)?;
    file.write_all(bytes)
        .with_context(|| format!("write {}", path.display()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn files_and_folders_are_private_and_not_overwritten_unless_asked() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("run/letters");
        create_dir(&dir).expect("dir");
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("letters.csv");
        write(&file, b"first", false).expect("write");
        assert_eq!(mode(&file), 0o600);
        let again = write(&file, b"second", false).expect_err("refused");
        assert!(again.to_string().contains("--overwrite"), "{again}");
        assert_eq!(std::fs::read(&file).expect("read"), b"first");
        write(&file, b"second", true).expect("overwrite");
        assert_eq!(std::fs::read(&file).expect("read"), b"second");
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn symlinks_are_never_followed() {
        let tmp = tempfile::tempdir().expect("tmp");
        let target = tmp.path().join("victim.txt");
        std::fs::write(&target, b"keep me").expect("victim");
        let link = tmp.path().join("secrets.csv");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(write(&link, b"secrets", false).is_err());
        assert_eq!(std::fs::read(&target).expect("read"), b"keep me");
        // With --overwrite the link itself is replaced, the target left alone.
        write(&link, b"secrets", true).expect("overwrite");
        assert_eq!(std::fs::read(&target).expect("read"), b"keep me");
        assert!(
            !std::fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        let dir_link = tmp.path().join("out");
        std::os::unix::fs::symlink(tmp.path(), &dir_link).expect("symlink");
        assert!(create_dir(&dir_link).is_err());
    }
}
