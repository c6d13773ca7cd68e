//! The commands: each takes a plain options struct, runs the layers below it, renders what they
//! found with [`crate::report`], writes it to the given writer and returns an [`crate::Outcome`].
//! Only this layer renders and decides; nothing below it imports it.

pub mod lint;
