//! Who a session is logged in as, and what that identity may do.
//!
//! The session only keeps the identity; how a session gets one (login) is `auth`'s.

use std::collections::BTreeSet;

/// Who a session is logged in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user name.
    pub name: String,
    /// The user's roles: the permissions it holds (`*` holds them all).
    pub roles: BTreeSet<String>,
}

impl Identity {
    /// Whether the identity holds a permission.
    ///
    /// ```
    /// # extern crate osmp_runtime as osmp;
    /// use osmp::session::Identity;
    ///
    /// let operator = Identity { name: "jon".into(), roles: ["operator".to_owned()].into() };
    /// assert!(operator.holds("operator") && !operator.holds("service"));
    /// let admin = Identity { name: "ned".into(), roles: ["*".to_owned()].into() };
    /// assert!(admin.holds("service"));
    /// ```
    pub fn holds(&self, permission: &str) -> bool {
        self.roles.contains(permission) || self.roles.contains("*")
    }
}
