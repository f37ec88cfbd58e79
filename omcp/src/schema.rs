//! The description of a module: its routes with their documentation and the JSON Schema of
//! their path parameters, bodies and responses. `#[module]` emits it as a `static`
//! (`sensornet_schema()`); [`export_schema`] writes modules as one JSON document.

use std::borrow::Cow;

use schemars::SchemaGenerator;
use serde_json::{json, Map, Value};

use crate::packet::{Method, StatusCode};

/// Builds the JSON Schema of a type (`<T as schemars::JsonSchema>::json_schema`).
pub type JsonSchemaFn = fn(&mut SchemaGenerator) -> schemars::Schema;

/// A module: its name and routes.
#[derive(Debug, Clone)]
pub struct ModuleSchema {
    /// The module name (`sensornet`); its queue is [`queue_name`](crate::queue_name) of it.
    pub name: Cow<'static, str>,
    /// First paragraph of its documentation.
    pub description: Cow<'static, str>,
    /// The rest of its documentation.
    pub long_description: Cow<'static, str>,
    /// The routes, in declaration order.
    pub routes: Cow<'static, [RouteSchema]>,
}

/// One route: a method on a path template.
#[derive(Debug, Clone)]
pub struct RouteSchema {
    /// The method.
    pub method: Method,
    /// The path template (`/sensors/{id}`).
    pub path: Cow<'static, str>,
    /// The name of the Rust method that serves it (`sensor`).
    pub name: Cow<'static, str>,
    /// First paragraph of its documentation.
    pub description: Cow<'static, str>,
    /// The rest of its documentation.
    pub long_description: Cow<'static, str>,
    /// The path parameters, in template order.
    pub params: Cow<'static, [ParamSchema]>,
    /// JSON Schema of the request body, if it takes one.
    pub body: Option<JsonSchemaFn>,
    /// JSON Schema of the body of a successful response, if it has one.
    pub response: Option<JsonSchemaFn>,
    /// The status of success: 200, 201 for creations, none for NOTIFY.
    pub success: Option<StatusCode>,
}

/// A path parameter.
#[derive(Debug, Clone)]
pub struct ParamSchema {
    /// Its name in the template.
    pub name: Cow<'static, str>,
    /// What it means.
    pub description: Cow<'static, str>,
    /// The JSON Schema of its type.
    pub schema: Option<JsonSchemaFn>,
}

impl ModuleSchema {
    /// The route serving `method` on exactly this template.
    pub fn route(&self, method: Method, path: &str) -> Option<&RouteSchema> {
        self.routes.iter().find(|route| route.method == method && route.path == path)
    }

    /// This module alone as a JSON document (see [`export_schema`]).
    pub fn to_json(&self) -> Value {
        export_schema([self])
    }
}

/// The document for the given modules, in order:
///
/// ```json
/// {
///   "omcp-version": "OMCP/0.1",
///   "modules": [{
///     "name": "sensornet", "queue": "osiris.sensornet", "description": "…",
///     "routes": [{"method": "GET", "path": "/sensors/{id}", "name": "sensor", "description": "…",
///                 "params": [{"name": "id", "schema": {…}}], "response-schema": {…}, "success": 200}]
///   }],
///   "$defs": {…}
/// }
/// ```
///
/// Types used in several places are defined once under `$defs` and referred to as
/// `{"$ref": "#/$defs/Name"}`.
pub fn export_schema<'a>(modules: impl IntoIterator<Item = &'a ModuleSchema>) -> Value {
    let mut generator = SchemaGenerator::default();
    let modules: Vec<Value> = modules.into_iter().map(|module| export_module(module, &mut generator)).collect();
    json!({
        "omcp-version": crate::packet::VERSION,
        "modules": modules,
        "$defs": Value::Object(generator.take_definitions(true)),
    })
}

fn export_module(module: &ModuleSchema, generator: &mut SchemaGenerator) -> Value {
    json!({
        "name": module.name,
        "queue": crate::address::queue_name(&module.name),
        "description": module.description,
        "long-description": module.long_description,
        "routes": module.routes.iter().map(|route| export_route(route, generator)).collect::<Vec<_>>(),
    })
}

fn export_route(route: &RouteSchema, generator: &mut SchemaGenerator) -> Value {
    let params: Vec<Value> = route
        .params
        .iter()
        .map(|param| {
            let mut value = json!({"name": param.name, "description": param.description});
            let object = value.as_object_mut().expect("built as an object");
            insert_schema(object, "schema", param.schema, generator);
            value
        })
        .collect();
    let mut value = json!({
        "method": route.method,
        "path": route.path,
        "name": route.name,
        "description": route.description,
        "long-description": route.long_description,
        "params": params,
        "success": route.success,
    });
    let object = value.as_object_mut().expect("built as an object");
    insert_schema(object, "body-schema", route.body, generator);
    insert_schema(object, "response-schema", route.response, generator);
    value
}

fn insert_schema(
    object: &mut Map<String, Value>,
    key: &str,
    schema: Option<JsonSchemaFn>,
    generator: &mut SchemaGenerator,
) {
    if let Some(schema) = schema {
        object.insert(key.to_owned(), schema(generator).to_value());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Sensor {
        /// Identifier.
        id: u32,
    }

    #[test]
    fn exports_routes_with_shared_definitions() {
        static PARAMS: [ParamSchema; 1] = [ParamSchema {
            name: Cow::Borrowed("id"),
            description: Cow::Borrowed(""),
            schema: Some(<u32 as schemars::JsonSchema>::json_schema),
        }];
        let route = |method, path, success| RouteSchema {
            method,
            path: Cow::Borrowed(path),
            name: Cow::Borrowed("sensor"),
            description: Cow::Borrowed("Read one sensor."),
            long_description: Cow::Borrowed(""),
            params: Cow::Borrowed(&PARAMS),
            body: None,
            response: Some(SchemaGenerator::subschema_for::<Sensor>),
            success,
        };
        let module = ModuleSchema {
            name: Cow::Borrowed("sensornet"),
            description: Cow::Borrowed("Sensors."),
            long_description: Cow::Borrowed(""),
            routes: Cow::Owned(vec![
                route(Method::Get, "/sensors/{id}", Some(StatusCode::Ok)),
                route(Method::Notify, "/x", None),
            ]),
        };
        assert_eq!(module.route(Method::Get, "/sensors/{id}").unwrap().name, "sensor");
        assert!(module.route(Method::Put, "/sensors/{id}").is_none());
        let document = module.to_json();
        let sensornet = &document["modules"][0];
        assert_eq!(sensornet["queue"], "osiris.sensornet");
        let get = &sensornet["routes"][0];
        assert_eq!(get["method"], "GET");
        assert_eq!(get["success"], 200);
        assert_eq!(get["params"][0]["schema"]["type"], "integer");
        assert_eq!(get["response-schema"]["$ref"], "#/$defs/Sensor");
        assert_eq!(sensornet["routes"][1]["success"], Value::Null);
        assert_eq!(document["$defs"]["Sensor"]["properties"]["id"]["description"], "Identifier.");
    }
}
