//! Conversions between Python values and the core's types: ids, times, attribute values,
//! wire names and the JSON shapes of the core's serde types.

use chrono::{DateTime, NaiveDate, Utc};
use contactkit::{AttributeValue, Attributes, ContactId};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::errors;

/// A contact id from Python: a positive int.
pub fn contact_id(raw: i64) -> PyResult<ContactId> {
    raw.to_string().parse().map_err(errors::to_py)
}

/// Many contact ids from Python.
pub fn contact_ids(raw: &[i64]) -> PyResult<Vec<ContactId>> {
    raw.iter().map(|id| contact_id(*id)).collect()
}

fn utc_timezone(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    UTC.get_or_try_init(py, || {
        Ok::<_, PyErr>(
            py.import("datetime")?
                .getattr("timezone")?
                .getattr("utc")?
                .unbind(),
        )
    })
    .map(|utc| utc.bind(py))
}

/// A timezone-aware `datetime` as UTC. A naive datetime is refused with a `ValidationError`
/// naming `field`: guessing its zone would silently shift the time.
pub fn utc(value: &Bound<'_, PyAny>, field: &str) -> PyResult<DateTime<Utc>> {
    let dt = value.cast::<PyDateTime>().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(format!("{field} must be a datetime.datetime"))
    })?;
    if dt.getattr("tzinfo")?.is_none() || dt.call_method0("utcoffset")?.is_none() {
        return Err(errors::validation(
            field,
            &dt.str()?.to_string(),
            "a time needs a timezone (use an aware datetime, e.g. datetime.now(timezone.utc))",
        ));
    }
    dt.call_method1("astimezone", (utc_timezone(value.py())?,))?
        .extract()
}

/// An optional aware datetime.
pub fn utc_opt(value: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<DateTime<Utc>>> {
    value.filter(|v| !v.is_none()).map(|v| utc(v, field)).transpose()
}

/// A Python value for a custom attribute: bool, int or float, aware datetime, date, str.
pub fn attribute_value(value: &Bound<'_, PyAny>, key: &str) -> PyResult<AttributeValue> {
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(AttributeValue::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>() {
        return Ok(AttributeValue::Number(value.extract::<f64>()?));
    }
    if value.is_instance_of::<PyDateTime>() {
        return Ok(AttributeValue::DateTime(utc(
            value,
            &format!("attributes[{key:?}]"),
        )?));
    }
    if value.is_instance_of::<PyDate>() {
        return Ok(AttributeValue::Date(value.extract::<NaiveDate>()?));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(AttributeValue::Text(s.extract()?));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "attribute {key:?}: expected str, int, float, bool, date or aware datetime, got {}",
        value.get_type().name()?
    )))
}

/// A dict of custom attributes from Python.
pub fn attributes(dict: Option<&Bound<'_, PyDict>>) -> PyResult<Attributes> {
    let mut out = Attributes::new();
    if let Some(dict) = dict {
        for (key, value) in dict.iter() {
            let key: String = key.extract()?;
            let value = attribute_value(&value, &key)?;
            out.insert(key, value);
        }
    }
    Ok(out)
}

/// A custom attribute value as a Python object.
pub fn attribute_to_py<'py>(py: Python<'py>, value: &AttributeValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        AttributeValue::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        AttributeValue::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
            (*n as i64).into_pyobject(py)?.into_any()
        }
        AttributeValue::Number(n) => n.into_pyobject(py)?.into_any(),
        AttributeValue::DateTime(at) => at.into_pyobject(py)?.into_any(),
        AttributeValue::Date(d) => d.into_pyobject(py)?.into_any(),
        AttributeValue::Text(t) => t.into_pyobject(py)?.into_any(),
    })
}

/// Custom attributes as a new Python dict.
pub fn attributes_to_py<'py>(py: Python<'py>, attributes: &Attributes) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in attributes {
        dict.set_item(key, attribute_to_py(py, value)?)?;
    }
    Ok(dict)
}

/// A JSON value as plain Python objects (dict, list, str, int, float, bool, None).
pub fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// Any serde value of the core in its JSON shape, as plain Python objects: times are
/// RFC 3339 strings, so the result goes straight into `json.dumps`.
pub fn to_plain<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|err| errors::storage(format!("could not convert a result: {err}")))?;
    json_to_py(py, &json)
}

/// Plain Python objects as JSON: dict, list, tuple, str, int, float, bool, None; dates and
/// aware datetimes as their ISO text.
pub fn py_to_json(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(Value::from(value.extract::<i64>()?));
    }
    if value.is_instance_of::<PyFloat>() {
        let n = value.extract::<f64>()?;
        return serde_json::Number::from_f64(n)
            .map(Value::Number)
            .ok_or_else(|| errors::validation("query", &n.to_string(), "a number must be finite"));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.extract()?));
    }
    if value.is_instance_of::<PyDateTime>() {
        return Ok(Value::String(utc(value, "query")?.to_rfc3339()));
    }
    if value.is_instance_of::<PyDate>() {
        return Ok(Value::String(value.extract::<NaiveDate>()?.to_string()));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (key, item) in dict.iter() {
            map.insert(key.extract::<String>()?, py_to_json(&item)?);
        }
        return Ok(Value::Object(map));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        return value.try_iter()?.map(|item| py_to_json(&item?)).collect();
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "cannot use a {} here: expected dict, list, str, number, bool, None, date or datetime",
        value.get_type().name()?
    )))
}

/// A snake_case wire name (`whatsapp`, `on_duplicate="update"`) as the core enum it names,
/// refused with a `ValidationError` naming `field` and the choices.
pub fn wire<T: DeserializeOwned>(text: &str, field: &str, choices: &str) -> PyResult<T> {
    serde_json::from_value(Value::String(text.trim().to_ascii_lowercase()))
        .map_err(|_| errors::validation(field, text, &format!("expected one of {choices}")))
}

/// The snake_case wire name of a core enum value.
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// One string or a list of strings.
pub fn one_or_many(value: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(vec![s.extract()?]);
    }
    value.extract()
}

/// Python's `repr` of a string, for `__repr__`s.
pub fn repr(py: Python<'_>, text: &str) -> PyResult<String> {
    PyString::new(py, text).repr()?.extract()
}
