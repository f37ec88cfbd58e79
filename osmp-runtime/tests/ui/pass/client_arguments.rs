//! The typed client's calling convention: parameters by value or by reference alike
//! (`impl AsRef<str>` for `String`, `impl AsRef<[T]>` for `Vec<T>`, `impl Borrow<T>`
//! otherwise), literals inferred; optional ones as `Option<&T>`. Event emitters take their
//! fields the same way.

#![deny(warnings)]

use osmp_runtime::client::Client;
use osmp_runtime::events::EventBus;
use osmp_runtime::instruction::CommandError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize, JsonSchema)]
pub struct Setpoint {
    pub room: String,
    pub celsius: f64,
}

#[osmp_runtime::instruction_set(crate = "osmp_runtime")]
pub trait Heating {
    async fn setpoint_set(&self, #[flatten] setpoint: Setpoint) -> Result<(), CommandError>;
    async fn room_set(
        &self,
        room: String,
        celsius: f64,
        floors: Vec<u8>,
        level: u8,
        note: Option<String>,
        zones: Option<Vec<String>>,
        priority: Option<u8>,
    ) -> Result<(), CommandError>;

    #[event]
    fn room_changed(room: String, celsius: f64, note: Option<String>);
}

#[allow(dead_code)]
async fn calls(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    let heating = HeatingClient::new(client);
    let setpoint = Setpoint { room: "lab".into(), celsius: 21.5 };
    heating.setpoint_set(&setpoint).await?;
    heating.setpoint_set(setpoint.clone()).await?;
    heating.setpoint_set(Setpoint { room: "hall".into(), celsius: 19.0 }).await?;

    let room = String::from("lab");
    let floors = vec![1, 2];
    let zones = vec!["north".to_owned()];
    heating.room_set("lab", 21.5, [1, 2], 3, None, None, None).await?;
    heating.room_set(&room, 21.5, &floors, 3, Some("warm"), Some(&zones), Some(&5)).await?;
    heating.room_set(room.clone(), 21.5f64, floors.clone(), 3u8, Some(&room), Some(&zones[..]), None).await?;
    let note: Option<String> = None;
    heating.room_set(room, 20.0, floors, 4, note.as_deref(), None, None).await?;
    Ok(())
}

#[allow(dead_code)]
fn emit(bus: &EventBus) -> Result<(), osmp_runtime::events::EmitError> {
    let events = HeatingEvents::new(bus);
    events.room_changed("lab", 21.5, None)?;
    events.room_changed(String::from("lab"), 21.5, Some("warm"))?;
    Ok(())
}

fn main() {}
