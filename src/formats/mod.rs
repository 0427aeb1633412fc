//! On-flash formats, one module per structure with its constants: images, boot loaders, rBoot config,
//! partition table, SDK tail, file systems, firmware settings. Parsers take byte slices; nothing here prints.

pub mod binparse;
pub mod bootloader;
pub mod evidence;
pub mod flash;
pub mod fs;
pub mod image;
pub mod partition;
pub mod rboot;
pub mod sdk;
pub mod shelly;
pub mod tasmota;
pub mod vendors;
