//! Values a session owns for the commands that run in it (one per type), dropped when the
//! session ends: per-session state of an instruction set, such as open file transfers.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::sync::lock;

type Value = Arc<dyn Any + Send + Sync>;

/// The values of one session; `None` once the session has ended.
pub(crate) struct Locals {
    values: Mutex<Option<HashMap<TypeId, Value>>>,
}

impl Default for Locals {
    fn default() -> Locals {
        Locals { values: Mutex::new(Some(HashMap::new())) }
    }
}

impl Locals {
    /// The value of type `T`, created with `T::default()` on first use; `None` once ended.
    pub(crate) fn get_or_default<T: Default + Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let mut values = lock(&self.values);
        let value = values.as_mut()?.entry(TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default()) as Value);
        // The map holds a `T` under `T`'s type id, so the downcast cannot fail.
        value.clone().downcast::<T>().ok()
    }

    /// Drops every value (outside the lock, so that their `Drop` may use the session) and
    /// refuses new ones.
    pub(crate) fn clear(&self) {
        let values = lock(&self.values).take();
        drop(values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static DROPPED: AtomicUsize = AtomicUsize::new(0);

    #[derive(Default)]
    struct Counted(AtomicUsize);

    impl Drop for Counted {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn one_value_per_type_until_cleared() {
        let locals = Locals::default();
        let first = locals.get_or_default::<Counted>().unwrap();
        first.0.fetch_add(1, Ordering::SeqCst);
        assert_eq!(locals.get_or_default::<Counted>().unwrap().0.load(Ordering::SeqCst), 1, "the same value");
        drop(first);
        locals.clear();
        assert_eq!(DROPPED.load(Ordering::SeqCst), 1, "dropped with the session");
        assert!(locals.get_or_default::<Counted>().is_none(), "none after the end");
    }
}
