//! Coverage: why the page script found one of the site's numbers and left
//! it as it was. The page counts by these reasons; the edge checks and
//! reports them. One list for both.

/// Why a site number on a page was not swapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unswapped {
    /// In a region the site marked to be left alone.
    Ignored = 0,
    /// In a form field or editable text.
    Editable = 1,
    /// In a messenger link (WhatsApp, Telegram, ...): the real number must reach the chat.
    Messenger = 2,
    /// No tracking number for it: the original is shown.
    NoNumber = 3,
    /// Left for no known reason: a bug or an unusual page.
    Other = 4,
    /// Written nationally in a region whose numbering line the page did not
    /// have (or with no region at all): the script could not read it.
    Unread = 5,
}

impl Unswapped {
    /// Every reason, in the order of their indices.
    pub const ALL: [Unswapped; 6] = [
        Unswapped::Ignored,
        Unswapped::Editable,
        Unswapped::Messenger,
        Unswapped::NoNumber,
        Unswapped::Other,
        Unswapped::Unread,
    ];

    /// `ignored`, `editable`, `messenger`, `no_number`, `other`, `unread`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unswapped::Ignored => "ignored",
            Unswapped::Editable => "editable",
            Unswapped::Messenger => "messenger",
            Unswapped::NoNumber => "no_number",
            Unswapped::Other => "other",
            Unswapped::Unread => "unread",
        }
    }

    /// The reason of a name.
    pub fn parse(name: &str) -> Option<Unswapped> {
        Unswapped::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Its index in [`Unswapped::ALL`] (for counting in an array).
    pub fn index(self) -> usize {
        self as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_indices_agree() {
        for (i, r) in Unswapped::ALL.into_iter().enumerate() {
            assert_eq!(r.index(), i);
            assert_eq!(Unswapped::parse(r.as_str()), Some(r));
        }
        assert_eq!(Unswapped::parse("gone"), None);
    }
}
