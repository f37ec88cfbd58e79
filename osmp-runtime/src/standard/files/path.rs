//! The path rules of the file commands: which `filename`s name something inside the root
//! folder. Only the text is judged here; where a name leads (symbolic links) is decided when
//! it is opened, beneath the root (`open.rs`).

use std::path::{Path, PathBuf};

/// A `filename` that passed the rules: a path relative to the root, `/`-separated, with
/// `.` components and empty components dropped. Two spellings of one file (`./a.txt`,
/// `a.txt`) give equal values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct RelativePath(String);

impl RelativePath {
    /// Checks a client's `filename`: refused when blank, absolute (`/…`, `\…`, `C:…`), with a
    /// `..` component, a NUL or a backslash anywhere, or naming the root itself.
    pub(super) fn parse(filename: &str) -> Option<RelativePath> {
        if filename.trim().is_empty() || filename.contains(['\0', '\\']) || filename.starts_with('/') {
            return None;
        }
        if has_drive_prefix(filename) {
            return None;
        }
        let mut components = Vec::new();
        for component in filename.split('/') {
            match component {
                "" | "." => {}
                ".." => return None,
                name => components.push(name),
            }
        }
        if components.is_empty() {
            return None;
        }
        Some(RelativePath(components.join("/")))
    }

    /// The path to open beneath the root.
    pub(super) fn as_path(&self) -> &Path {
        Path::new(&self.0)
    }

    /// The folder part (empty for a file directly in the root) and the file name.
    pub(super) fn split(&self) -> (PathBuf, &str) {
        match self.0.rsplit_once('/') {
            Some((folder, name)) => (PathBuf::from(folder), name),
            None => (PathBuf::new(), &self.0),
        }
    }
}

/// `C:…`: a Windows drive, absolute or relative to that drive's current folder.
fn has_drive_prefix(filename: &str) -> bool {
    let bytes = filename.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(filename: &str) -> Option<String> {
        RelativePath::parse(filename).map(|path| path.0)
    }

    #[test]
    fn relative_names_inside_the_root() {
        assert_eq!(parsed("notes.txt").as_deref(), Some("notes.txt"));
        assert_eq!(parsed("./sub/nested.txt").as_deref(), Some("sub/nested.txt"));
        assert_eq!(parsed("sub//./nested.txt").as_deref(), Some("sub/nested.txt"));
        assert_eq!(parsed("a..b.txt").as_deref(), Some("a..b.txt"), "two dots inside a name are a name");
        assert_eq!(parsed("...").as_deref(), Some("..."));
        assert_eq!(parsed(" spaced name ").as_deref(), Some(" spaced name "));
        assert_eq!(RelativePath::parse("sub/deeper/x.bin").unwrap().split(), (PathBuf::from("sub/deeper"), "x.bin"));
        assert_eq!(RelativePath::parse("x.bin").unwrap().split(), (PathBuf::new(), "x.bin"));
    }

    #[test]
    fn refused_names() {
        for refused in [
            "",
            "   ",
            "/etc/passwd",
            "/",
            "\\evil",
            "\\\\server\\share",
            "C:evil",
            "c:/evil",
            "../evil.sh",
            "sub/../../x",
            "sub/..",
            "..",
            "a\\b",
            "nul\0byte",
            ".",
            "./",
            "//",
        ] {
            assert_eq!(parsed(refused), None, "{refused:?} must be refused");
        }
    }
}
