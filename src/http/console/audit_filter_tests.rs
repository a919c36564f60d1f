use chrono::{TimeZone, Utc};

use super::{api_query, filter, instant, page_link, BadField, Fields};
use crate::store::AuditStatus;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("a valid instant")
}

#[test]
fn times_are_read_in_utc_as_a_date_or_a_date_and_time() {
    assert_eq!(instant("2026-12-07", false), Some(utc(2026, 12, 7, 0, 0)));
    assert_eq!(
        instant("2026-12-07", true),
        Some(utc(2026, 12, 8, 0, 0)),
        "a date alone as `to` includes the day"
    );
    assert_eq!(
        instant("2026-12-07T09:30", false),
        Some(utc(2026, 12, 7, 9, 30))
    );
    assert_eq!(
        instant("2026-12-07 09:30", true),
        Some(utc(2026, 12, 7, 9, 30))
    );
    assert_eq!(
        instant("2026-12-07T09:30:00", false),
        Some(utc(2026, 12, 7, 9, 30))
    );
    for bad in [
        "yesterday",
        "2026-13-01",
        "2026-12-07T25:00",
        "07/12/2026",
        "+10000-01-01",
    ] {
        assert_eq!(instant(bad, false), None, "{bad}");
    }
}

#[test]
fn every_filter_field_reaches_the_store_and_the_page_is_newest_first() {
    let fields = Fields {
        agent: "agent00001@example.com".into(),
        job: "7".into(),
        from: "2026-12-07".into(),
        to: "2026-12-07T12:00".into(),
        call: "patch_routing_skills".into(),
        outcome: "ok".into(),
    };
    let f = filter(&fields, Some("200")).expect("valid");
    assert_eq!(f.agent.as_deref(), Some("agent00001@example.com"));
    assert_eq!(f.job_id, Some(7));
    assert_eq!(f.since, Some(utc(2026, 12, 7, 0, 0)));
    assert_eq!(f.until, Some(utc(2026, 12, 7, 12, 0)));
    assert_eq!(f.call.as_deref(), Some("patch_routing_skills"));
    assert_eq!(f.outcome, Some(AuditStatus::Ok));
    assert_eq!((f.offset, f.limit, f.newest_first), (200, 101, true));
    assert_eq!(
        api_query(&f, true),
        "agent=agent00001%40example.com&since=2026-12-07T00%3A00%3A00Z\
         &until=2026-12-07T12%3A00%3A00Z&job=7&call=patch_routing_skills&outcome=ok&format=csv"
    );
    let none = filter(&Fields::default(), None).expect("no filter");
    assert_eq!(api_query(&none, false), "");
    assert_eq!(none.offset, 0);
}

#[test]
fn a_bad_value_names_its_field() {
    let with = |edit: fn(&mut Fields)| {
        let mut fields = Fields::default();
        edit(&mut fields);
        filter(&fields, None)
            .map(|_| ())
            .map_err(|e: BadField| e.field)
    };
    assert_eq!(with(|f| f.from = "yesterday".into()), Err("from"));
    assert_eq!(with(|f| f.to = "soon".into()), Err("to"));
    assert_eq!(with(|f| f.job = "x".into()), Err("job"));
    assert_eq!(with(|f| f.job = "-1".into()), Err("job"));
    assert_eq!(with(|f| f.outcome = "great".into()), Err("outcome"));
    assert_eq!(
        with(|f| {
            f.from = "2026-12-08".into();
            f.to = "2026-12-07T10:00".into();
        }),
        Err("to")
    );
    let offset = filter(&Fields::default(), Some("-5")).map_err(|e| e.field);
    assert_eq!(offset.map(|_| ()), Err("offset"));
    let message = filter(
        &Fields {
            from: "<b>".into(),
            ..Fields::default()
        },
        None,
    )
    .map(|_| ())
    .expect_err("bad");
    assert!(message.message.contains("UTC"), "{}", message.message);
}

#[test]
fn page_links_keep_the_filters_as_typed_and_leave_out_what_is_empty() {
    let fields = Fields {
        agent: "Anna@Example.com".into(),
        from: "2026-12-07".into(),
        ..Fields::default()
    };
    assert_eq!(
        page_link("acme", &fields, 200),
        "/orgs/acme/audit?agent=Anna%40Example.com&from=2026-12-07&offset=200"
    );
    assert_eq!(page_link("acme", &Fields::default(), 0), "/orgs/acme/audit");
}
