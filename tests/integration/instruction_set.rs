//! A set declared with `#[osmp::instruction_set]` (the facade's default path), served over
//! a real socket: commands by name and alias, parameter errors, `help` built from the
//! generated schema, and typed events reaching a client's subscription.

use std::collections::HashMap;
use std::sync::Mutex;

use osmp::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::support::*;

/// Parameters of `vcall-create`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
struct VcallCreate {
    /// Unique identifier of the announcement to be created (or manipulated).
    call_id: String,
    /// Announcement priority.
    priority: Option<u8>,
}

/// The answer of `vcall-create`.
#[derive(Serialize, Deserialize, JsonSchema)]
struct VcallCreated {
    /// The announcement as it is now.
    call: Call,
}

#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
struct Call {
    call_id: String,
    priority: u8,
}

/// Data of `vcall-status-changed`.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
struct CallStatus {
    call_id: String,
    status: String,
}

/// Announcement management of a Variodyn D1 system.
#[osmp::instruction_set(name = "vd1")]
trait Vd1 {
    /// Create a new or change an existing announcement.
    ///
    /// Calls are kept until deleted.
    #[command(name = "vcall-create", alias = "vcc")]
    async fn vcall_create(&self, #[flatten] call: VcallCreate) -> Result<VcallCreated, CommandError>;

    /// Start an existing announcement.
    #[command(alias = "vcall-start")]
    async fn vcall_play(
        &self,
        #[param(doc = "Unique identifier of the announcement")] call_id: String,
        cx: CommandContext,
    ) -> Result<(), CommandError>;

    /// Informs about announcement status changes.
    #[event(name = "vcall-status-changed")]
    fn vcall_status_changed(#[flatten] status: CallStatus);
}

#[derive(Default)]
struct Device {
    calls: Mutex<HashMap<String, Call>>,
}

impl Vd1 for Device {
    async fn vcall_create(&self, call: VcallCreate) -> Result<VcallCreated, CommandError> {
        let created = Call { call_id: call.call_id.clone(), priority: call.priority.unwrap_or(41) };
        self.calls.lock().unwrap().insert(call.call_id, created.clone());
        Ok(VcallCreated { call: created })
    }

    async fn vcall_play(&self, call_id: String, cx: CommandContext) -> Result<(), CommandError> {
        if !self.calls.lock().unwrap().contains_key(&call_id) {
            return Err(CommandError::not_found(format!("No such call: {call_id}")));
        }
        let status = CallStatus { call_id, status: "Connected".into() };
        Vd1Events::new(cx.events())
            .vcall_status_changed(&status)
            .map_err(|error| CommandError::internal(error.to_string()))?;
        Ok(())
    }
}

#[tokio::test]
async fn generated_set_served_over_a_socket() {
    let server = plain_server(|b| b.instruction_set(Vd1Server::new(Device::default()))).await;
    let client = client(&server).await;

    let created = client.call("vcc", &json!({"call-id": "testcall1", "priority": 42})).await.unwrap();
    assert_eq!(created.data.unwrap().to_value(), json!({"call": {"call-id": "testcall1", "priority": 42}}));
    let error = client.call("vcall-create", &json!({"priority": 1})).await.unwrap_err();
    assert!(error.to_string().contains("missing mandatory parameter 'call-id'"), "{error}");

    let mut subscription = client.subscribe("vcall-status-changed").await.unwrap();
    let played = client.call("vcall-start", &json!({"call-id": "testcall1"})).await.unwrap();
    assert!(played.data.is_none());
    let event =
        tokio::time::timeout(PATIENCE, subscription.next()).await.expect("event in time").expect("subscription open");
    assert_eq!(event.event, "vcall-status-changed");
    assert_eq!(event.data.unwrap().to_value(), json!({"call-id": "testcall1", "status": "Connected"}));

    let help = client.call("help", &json!({"cmd": "vcall-create"})).await.unwrap().data.unwrap().to_value();
    let text = help.to_string();
    for expected in [
        "Create a new or change an existing announcement.",
        "Calls are kept until deleted.",
        "Unique identifier of the announcement to be created (or manipulated).",
        "vd1",
    ] {
        assert!(text.contains(expected), "{expected} missing in {help}");
    }
    server.shutdown().await;
}
