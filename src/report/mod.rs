//! Rendering of results: `findings` (lint) and `drift` (check) in each output format.

pub mod drift;
pub mod findings;
