//! Workshop and station ids: the one rule the station's configuration, `ardoise keygen`, trust
//! files, a certificate's `issuer` and the registry apply, so that an id one of them accepts,
//! all of them accept. A leaf module: keys, trust and validate all depend on it.

/// Whether `s` is a kebab-case id (`ressourcerie-caen`, `poste-1`): lowercase letters and
/// digits in dash-separated words. Workshop and station ids follow it (the registry registers
/// keys under such ids only, and they appear in its addresses).
pub fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Longest workshop or station id, in characters (ids are ASCII).
pub const ID_MAX_LEN: usize = 64;

/// The rule of [`is_id`] in words, for the messages of every place that applies it.
pub const ID_RULE: &str = "lowercase letters and digits in words joined by dashes, at most 64 characters (e.g. ressourcerie-caen, poste-1)";

/// Whether `s` is a workshop or station id: kebab-case ([`is_kebab`]) and at most
/// [`ID_MAX_LEN`] characters. The one rule for the station's configuration, `ardoise keygen`,
/// a certificate's `issuer` and the registry's `station add`, which registers keys under such
/// ids only (they appear in its addresses): an id one of them accepts, all of them accept.
pub fn is_id(s: &str) -> bool {
    s.len() <= ID_MAX_LEN && is_kebab(s)
}

/// Whether `s` may name a station where a key is bound to it (configuration, `ardoise keygen`,
/// trust entries, the registry): an id ([`is_id`]), or an id followed by `-*` for a per-boot
/// PXE station ([`PER_BOOT_SUFFIX`]).
pub fn is_station_name(s: &str) -> bool {
    is_id(per_boot_base(s).unwrap_or(s))
}

/// Whether `s` may be a certificate's `issuer.station_id`: an id ([`is_id`]), or what a
/// per-boot station signs as, `<base>-<boot id>` (the base an id, the boot id as
/// [`is_boot_id`] says), which may pass [`ID_MAX_LEN`] by the boot id.
pub fn is_certificate_station_id(s: &str) -> bool {
    is_id(s)
        || s.rsplit_once('-')
            .is_some_and(|(base, boot)| is_id(base) && is_boot_id(boot))
}

/// The suffix that makes a trust entry's station a *per-boot* station: a key registered for
/// station `pxe-1-*` signs as `pxe-1-<boot id>`, one journal per boot. For PXE stations, whose
/// machines boot from one shared configuration at the same time and keep nothing between boots.
pub const PER_BOOT_SUFFIX: &str = "-*";

/// The base of a per-boot station pattern (`pxe-1` for `pxe-1-*`).
pub fn per_boot_base(station: &str) -> Option<&str> {
    station.strip_suffix(PER_BOOT_SUFFIX)
}

/// Whether `id` can stand for the `*` of a per-boot station: 1 to 32 lowercase letters and
/// digits (the boot id's first hex digits).
pub fn is_boot_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}
