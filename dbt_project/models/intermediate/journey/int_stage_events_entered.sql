-- Every stage a lead entered, as recorded by a source (one row per lead, cycle and stage: the
-- first entry). Skipped stages are not here: lead_stage_events adds them as inferred.
-- is_time_approximate marks an entry whose time was deduced (from the SFA's status history) rather than
-- recorded in a time field. Stage-history extracts (stg_stage_events) add entries of their own, with
-- the exit time where the export gives one. Only stages some loaded source carries are kept
-- (int_measure_coverage): an opportunity's creation does not make a lead "known" when no lead
-- source is loaded.

with cycles as (
    select * from {{ ref('int_lead_cycles') }}
),

links as (
    select * from {{ ref('int_person_links') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

sfa as (
    select s.*, c.person_id, c.cycle_number
    from {{ ref('stg_sfa__leads') }} as s
    inner join cycles as c on c.sfa_lead_id = s.sfa_lead_id
),

status_first_seen as (
    select sfa_lead_id, status, min(observed_at) as first_seen_at
    from {{ ref('stg_sfa__lead_versions') }}
    group by sfa_lead_id, status
),

first_contact as (
    select sfa_lead_id, min(occurred_at) as first_contact_at
    from {{ ref('stg_sfa__activities') }}
    where sfa_lead_id is not null
        and activity_type in (
            select value from {{ source('config', 'rule_lists') }}
            where list_name = 'contact_activity_types')
    group by sfa_lead_id
),

opportunities as (
    select * from {{ ref('int_opportunity_cycles') }}
),

records_created as (
    select l.person_id, m.created_at, 'ma' as source_system, m.lead_id as record_id
    from {{ ref('stg_ma__leads') }} as m
    inner join links as l on l.record_type = 'ma_lead' and l.record_id = m.lead_id
    union all
    select person_id, created_at, 'sfa', sfa_lead_id from sfa
    union all
    select person_id, created_at, 'sfa', opportunity_id from opportunities
),

ma_mql as (
    select l.person_id, m.mql_at
    from {{ ref('stg_ma__leads') }} as m
    inner join links as l on l.record_type = 'ma_lead' and l.record_id = m.lead_id
    where m.mql_at is not null
),

subscriptions as (
    select s.*
    from {{ ref('stg_crm__subscriptions') }} as s
    cross join as_of
    where s.start_date <= as_of.as_of_local_date
),

customer_starts as (
    -- a won deal makes the lead a customer when its account has a contract starting on or after
    -- the close date (and by as_of)
    select o.person_id, o.cycle_number, o.account_id, min(s.start_date) as start_date
    from opportunities as o
    inner join subscriptions as s
        on s.account_id = o.account_id and s.start_date >= o.close_date
    where o.is_won
    group by o.person_id, o.cycle_number, o.account_id
),

explicit as (
    -- entries from stage-history extracts, by the kind of record they name
    select l.person_id, c.cycle_number, e.stage, e.entered_at, e.exited_at, e.source_system
    from {{ ref('stg_stage_events') }} as e
    inner join links as l on l.record_type = 'ma_lead' and l.record_id = e.record_id
    inner join cycles as c
        on c.person_id = l.person_id
        and (e.stage = 'known' and c.cycle_number = 1
             or e.stage <> 'known'
                and (c.starts_at is null or c.starts_at <= e.entered_at)
                and (c.ends_before is null or e.entered_at < c.ends_before))
    where e.record_kind = 'person'
    union all
    select c.person_id, c.cycle_number, e.stage, e.entered_at, e.exited_at, e.source_system
    from {{ ref('stg_stage_events') }} as e
    inner join cycles as c on c.sfa_lead_id = e.record_id
    where e.record_kind = 'lead'
    union all
    select o.person_id, o.cycle_number, e.stage, e.entered_at, e.exited_at, e.source_system
    from {{ ref('stg_stage_events') }} as e
    inner join opportunities as o on o.opportunity_id = e.record_id
    where e.record_kind = 'opportunity'
),

events as (
    select person_id, cycle_number, stage, entered_at, exited_at, source_system,
           false as is_time_approximate
    from explicit

    union all
    select person_id, 1 as cycle_number, 'known' as stage, created_at as entered_at,
           cast(null as timestamp) as exited_at, source_system, false as is_time_approximate
    from records_created

    union all
    select m.person_id, c.cycle_number, 'mql', m.mql_at, null, 'ma', false
    from ma_mql as m
    inner join cycles as c
        on c.person_id = m.person_id
        and (c.starts_at is null or c.starts_at <= m.mql_at)
        and (c.ends_before is null or m.mql_at < c.ends_before)

    union all
    select person_id, cycle_number, 'mql', mql_at, null, 'sfa', false
    from sfa where mql_at is not null

    union all
    -- SAL: the first contact attempt; else the first loaded version in status working
    select s.person_id, s.cycle_number, 'sal',
           coalesce(fc.first_contact_at, seen.first_seen_at), null, 'sfa', fc.first_contact_at is null
    from sfa as s
    left join first_contact as fc on fc.sfa_lead_id = s.sfa_lead_id
    left join status_first_seen as seen on seen.sfa_lead_id = s.sfa_lead_id and seen.status = 'working'

    union all
    -- decisions: the current status at its decision time; earlier statuses from the versions
    select s.person_id, s.cycle_number, seen.status,
           case when seen.status = s.status then coalesce(s.decided_at, seen.first_seen_at)
                else seen.first_seen_at end,
           null,
           'sfa',
           not (seen.status = s.status and s.decided_at is not null)
    from sfa as s
    inner join status_first_seen as seen on seen.sfa_lead_id = s.sfa_lead_id
    where seen.status in ('sql', 'disqualified', 'recycled')

    union all
    select person_id, cycle_number, 'opportunity', created_at, null, 'sfa', false
    from opportunities

    union all
    select person_id, cycle_number, 'won',
           coalesce(won_changed_at, {{ from_business_time('close_date') }}, modified_at), null, 'sfa',
           won_changed_at is null
    from opportunities where is_won

    union all
    select person_id, cycle_number, 'lost',
           coalesce(lost_changed_at, {{ from_business_time('close_date') }}, modified_at), null, 'sfa',
           lost_changed_at is null
    from opportunities where is_lost

    union all
    select person_id, cycle_number, 'customer', {{ from_business_time('start_date') }}, null, 'crm', false
    from customer_starts

    union all
    select c.person_id, c.cycle_number, 'advocate', {{ from_business_time('min(s.start_date)') }}, null, 'crm',
           false
    from customer_starts as c
    inner join subscriptions as s
        on s.account_id = c.account_id and s.start_date > c.start_date
    where s.subscription_type in (
        select value from {{ source('config', 'rule_lists') }}
        where list_name = 'advocate_subscription_types')
    group by c.person_id, c.cycle_number
),

ranked as (
    select
        *,
        row_number() over (
            partition by person_id, cycle_number, stage order by entered_at, source_system
        ) as rank_
    from events
    where entered_at is not null
)

select r.person_id, r.cycle_number, r.stage, r.entered_at, r.exited_at, r.source_system,
       r.is_time_approximate
from ranked as r
inner join {{ ref('int_measure_coverage') }} as m
    on m.measure = 'stage:' || r.stage and m.is_measurable
where r.rank_ = 1
