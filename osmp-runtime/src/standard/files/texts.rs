//! The answers of the file commands: the reference's texts, byte for byte (its spelling
//! included), and this project's texts for what the reference does not check. None of them
//! names anything but what the client sent: no server path, no stack trace.

use crate::instruction::CommandError;

/// A refused `filename` (the reference's text for a blank one, reused for every refusal).
pub(super) fn invalid_filename(filename: &str) -> CommandError {
    CommandError::invalid_params(format!("ERROR: invalide filename: {filename}"))
}

/// Nothing to download of that name, or not a regular file.
pub(super) fn file_not_found(filename: &str) -> CommandError {
    CommandError::not_found(format!("File not found: {filename}"))
}

/// No transfer of that name is in progress.
pub(super) fn buffer_not_found() -> CommandError {
    CommandError::new("File buffer not found, please restart transfer.")
}

/// A part number other than the next one.
pub(super) fn discontinuous() -> CommandError {
    CommandError::new("Discontinuous part number, please restart transfer.")
}

/// A `total_parts` the reference refuses, or one that differs from part 0's.
pub(super) fn incorrect_total_parts(total_parts: i64) -> CommandError {
    CommandError::invalid_params(format!("Incorrect total part number: {total_parts}"))
}

/// A blank `content`.
pub(super) fn content_empty() -> CommandError {
    CommandError::invalid_params("ERROR: content is empty")
}

/// Reading or writing failed: the reference's prefix (which says "writing" for reads too)
/// and a one-line reason.
pub(super) fn io_failed(reason: &dyn std::fmt::Display) -> CommandError {
    let reason = reason.to_string();
    let line = reason.lines().next().unwrap_or_default();
    CommandError::new(format!("ERROR: writing file: {line}"))
}

/// A part command cancelled by the client (its transfer is abandoned), or a cancelled
/// listing: the reference's text.
pub(super) fn cancelled() -> CommandError {
    CommandError::new("Cancelled.")
}
