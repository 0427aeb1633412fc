//! Analysis over the formats: the layout model and its claims, firmware profiles, the unit's identity,
//! and the commands' cores (inspect, sanitize, extract, diff).

pub mod claims;
pub mod clone_guard;
pub mod diff;
pub mod dmp;
pub mod extract;
pub mod firmware;
pub mod inspect;
pub mod layout;
pub mod profile;
pub mod sanitize;
pub mod unit_identity;
pub mod vendor_config;
