use super::*;

fn facts(boot: BootKind, header: Option<usize>, dump: usize) -> Facts {
    Facts {
        dump_size: dump,
        header_size: header,
        partition_table: false,
        boot_config: None,
        boot,
        raw_irom: false,
        firmware: (FirmwareKind::Unknown, None),
    }
}

#[test]
fn arduino_tail_follows_each_flash_size() {
    let l = decide(&facts(BootKind::Eboot, Some(0x10_0000), 0x20_0000));
    assert_eq!(l.kind, LayoutKind::Arduino);
    assert_eq!(l.flash_sizes.len(), 2);
    let rf: Vec<u64> = l
        .areas
        .iter()
        .filter(|a| a.role == AreaRole::RfCal)
        .map(|a| a.start)
        .collect();
    assert_eq!(rf, vec![0xFC000, 0x1FC000]);
    let eeprom = l.area(AreaRole::Eeprom).unwrap();
    assert_eq!(eeprom.start, 0xFB000);
    let l = decide(&facts(BootKind::Eboot, Some(0x20_0000), 0x20_0000));
    assert_eq!(l.flash_sizes.len(), 1);
    assert_eq!(l.area(AreaRole::RfCal).unwrap().start, 0x1FC000);
    assert_eq!(l.area(AreaRole::SysParams).unwrap().start, 0x1FD000);
}

#[test]
fn sdk_tail_under_boot_v1() {
    let l = decide(&facts(BootKind::EspSdkBoot, Some(0x10_0000), 0x10_0000));
    assert_eq!(l.kind, LayoutKind::NonosOta);
    assert_eq!(l.area(AreaRole::RfCal).unwrap().start, 0xFB000);
    assert_eq!(l.area(AreaRole::PhyInit).unwrap().start, 0xFC000);
}

#[test]
fn boot_data_beats_the_boot_loader_and_firmware_fills_the_gap() {
    let mut f = facts(BootKind::Eboot, None, 0x8_0000);
    f.partition_table = true;
    assert_eq!(decide(&f).kind, LayoutKind::RtosPartitions);
    let mut f = facts(BootKind::None, None, 0x10_0000);
    f.firmware = (FirmwareKind::Tasmota, Some(LayoutKind::Arduino));
    let l = decide(&f);
    assert_eq!(l.kind, LayoutKind::Arduino);
    assert_eq!(l.evidence[0].basis, Basis::Firmware);
    let mut f = facts(BootKind::None, None, 0x10_0000);
    f.raw_irom = true;
    assert_eq!(decide(&f).kind, LayoutKind::NonosNonOta);
}

#[test]
fn firmware_area_replaces_the_eeprom_it_uses() {
    let mut l = decide(&facts(BootKind::Eboot, Some(0x10_0000), 0x10_0000));
    l.add_areas(vec![Area {
        start: 0xF4000,
        end: 0xFC000,
        role: AreaRole::Settings,
        owner: "tasmota",
        flash_size: 0x10_0000,
        label: "Tasmota settings".into(),
    }]);
    assert!(l.area(AreaRole::Eeprom).is_none());
    assert_eq!(l.area(AreaRole::Settings).unwrap().start, 0xF4000);
}
