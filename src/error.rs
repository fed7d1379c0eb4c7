//! Typed, positioned errors. Every failure the core reports carries a stable code so that
//! JavaScript callers can branch on `err.code` without parsing messages.

use std::fmt;

/// Stable error codes, surfaced to JavaScript as `err.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// An end tag does not match the open element.
    MismatchedTag,
    /// Input ended with elements still open, or inside markup.
    UnexpectedEof,
    /// A second top-level element.
    MultipleRoots,
    /// Non-whitespace text before or after the root element.
    TextOutsideRoot,
    /// No root element at all.
    NoRoot,
    /// Markup that is not well-formed (bad names, broken comments, stray `<`, ...).
    Syntax,
    /// The same attribute twice on one element.
    DuplicateAttribute,
    /// A malformed attribute (missing quotes, missing `=`, ...).
    InvalidAttribute,
    /// A character that XML 1.0 forbids, or bytes that are not UTF-8.
    InvalidChar,
    /// An element or attribute prefix with no `xmlns:` declaration in scope.
    UnboundPrefix,
    /// A reference to an entity that is not one of the five predefined ones.
    UndefinedEntity,
    /// A malformed character or entity reference.
    InvalidReference,
    /// A reference to an external or unparsed entity, which is never read.
    ExternalEntity,
    /// Entity expansion beyond its budget, or a recursive entity.
    EntityExpansion,
    /// An XML declaration that is misplaced or malformed.
    InvalidDeclaration,
    /// A DOCTYPE in the wrong place.
    InvalidDoctype,
    /// A declared encoding sluice cannot decode, or one that contradicts the byte order mark.
    UnsupportedEncoding,
    /// Bytes the document's encoding does not define (with `encodingErrors: 'fatal'`).
    Encoding,
    /// A record larger than `maxRecordBytes`.
    RecordTooLarge,
    /// Element nesting deeper than `maxDepth`.
    TooDeep,
    /// An element, attribute, processing-instruction target or entity name longer than
    /// `maxNameLength`.
    NameTooLong,
    /// More attributes on one element than `maxAttributes`.
    TooManyAttributes,
    /// A text node, CDATA section, comment, processing instruction or attribute value longer
    /// than `maxTextLength`.
    TextTooLong,
    /// Invalid options passed to the constructor.
    InvalidOption,
    /// A bug in sluice: a caught panic. Never expected.
    Internal,
    /// JSON that breaks the grammar: an unexpected character, a malformed number or literal,
    /// a missing separator, or anything after a value that cannot follow it.
    JsonSyntax,
    /// JSON input (or an NDJSON line) ended inside a value, or held no value at all.
    JsonUnexpectedEof,
    /// A malformed JSON string: an unescaped control character or a bad escape.
    JsonInvalidString,
    /// Bytes that are not UTF-8 in JSON input.
    JsonInvalidUtf8,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MismatchedTag => "ERR_SLUICE_XML_MISMATCHED_TAG",
            ErrorCode::UnexpectedEof => "ERR_SLUICE_XML_UNEXPECTED_EOF",
            ErrorCode::MultipleRoots => "ERR_SLUICE_XML_MULTIPLE_ROOTS",
            ErrorCode::TextOutsideRoot => "ERR_SLUICE_XML_TEXT_OUTSIDE_ROOT",
            ErrorCode::NoRoot => "ERR_SLUICE_XML_NO_ROOT",
            ErrorCode::Syntax => "ERR_SLUICE_XML_SYNTAX",
            ErrorCode::DuplicateAttribute => "ERR_SLUICE_XML_DUPLICATE_ATTRIBUTE",
            ErrorCode::InvalidAttribute => "ERR_SLUICE_XML_INVALID_ATTRIBUTE",
            ErrorCode::InvalidChar => "ERR_SLUICE_XML_INVALID_CHAR",
            ErrorCode::UnboundPrefix => "ERR_SLUICE_XML_UNBOUND_PREFIX",
            ErrorCode::UndefinedEntity => "ERR_SLUICE_XML_UNDEFINED_ENTITY",
            ErrorCode::InvalidReference => "ERR_SLUICE_XML_INVALID_REFERENCE",
            ErrorCode::ExternalEntity => "ERR_SLUICE_XML_EXTERNAL_ENTITY",
            ErrorCode::EntityExpansion => "ERR_SLUICE_XML_ENTITY_EXPANSION",
            ErrorCode::InvalidDeclaration => "ERR_SLUICE_XML_INVALID_DECLARATION",
            ErrorCode::InvalidDoctype => "ERR_SLUICE_XML_INVALID_DOCTYPE",
            ErrorCode::UnsupportedEncoding => "ERR_SLUICE_UNSUPPORTED_ENCODING",
            ErrorCode::Encoding => "ERR_SLUICE_XML_ENCODING",
            ErrorCode::RecordTooLarge => "ERR_SLUICE_RECORD_TOO_LARGE",
            ErrorCode::TooDeep => "ERR_SLUICE_TOO_DEEP",
            ErrorCode::NameTooLong => "ERR_SLUICE_XML_NAME_TOO_LONG",
            ErrorCode::TooManyAttributes => "ERR_SLUICE_XML_TOO_MANY_ATTRIBUTES",
            ErrorCode::TextTooLong => "ERR_SLUICE_XML_TEXT_TOO_LONG",
            ErrorCode::InvalidOption => "ERR_SLUICE_INVALID_OPTION",
            ErrorCode::Internal => "ERR_SLUICE_INTERNAL",
            ErrorCode::JsonSyntax => "ERR_SLUICE_JSON_SYNTAX",
            ErrorCode::JsonUnexpectedEof => "ERR_SLUICE_JSON_UNEXPECTED_EOF",
            ErrorCode::JsonInvalidString => "ERR_SLUICE_JSON_INVALID_STRING",
            ErrorCode::JsonInvalidUtf8 => "ERR_SLUICE_JSON_INVALID_UTF8",
        }
    }
}

/// Where in the input an error happened. `line` and `column` are 1-based; `column` counts
/// Unicode scalar values, `offset` counts bytes from the start of the input (BOM included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub offset: u64,
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub position: Position,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>, position: Position) -> Self {
        Error {
            code,
            message: message.into(),
            position,
        }
    }

    /// An error that is not tied to the input (bad options, internal failures).
    pub fn unpositioned(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::new(code, message, Position::default())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.position.line == 0 {
            write!(f, "{} ({})", self.message, self.code.as_str())
        } else {
            write!(
                f,
                "{} at line {}, column {} (byte {}) ({})",
                self.message,
                self.position.line,
                self.position.column,
                self.position.offset,
                self.code.as_str()
            )
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
