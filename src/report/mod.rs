//! Rendering of results: `findings` (lint), `drift` (check) and `verify` in each output format,
//! from plain data; `github` holds the workflow-command escaping they share.

pub mod drift;
pub mod findings;
pub mod github;
pub mod verify;
