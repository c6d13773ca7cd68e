//! Rendering of results: `findings` (lint), `drift` (check) and `verify` in each output format,
//! from plain data; `github` holds the workflow-command escaping they share, `error` the JSON
//! document of a run that failed, `terminal` the escaping of control characters in human text.

pub mod drift;
pub mod error;
pub mod findings;
pub mod frame;
pub mod github;
pub mod terminal;
pub mod verify;
