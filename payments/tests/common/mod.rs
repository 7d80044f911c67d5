//! The shared rig (`payments::testing`, feature `testing`).
#![allow(unused_imports)]

pub use payments::testing::*;
