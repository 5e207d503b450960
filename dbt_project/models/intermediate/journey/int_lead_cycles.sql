-- The cycles of each journey lead. Every hand-off to sales (an SFA lead) opens a cycle: a lead
-- that was recycled and came back has a second one. A lead never handed over has one cycle.
-- `starts_at` places undated-by-lead events (an MA MQL date, an opportunity without a lead) in
-- the cycle whose span holds them; cycle 1 starts at the beginning of time.

with sfa as (
    select l.person_id, s.sfa_lead_id, s.mql_at, s.notified_at, s.created_at
    from {{ ref('stg_sfa__leads') }} as s
    inner join {{ ref('int_person_links') }} as l
        on l.record_type = 'sfa_lead' and l.record_id = s.sfa_lead_id
),

numbered as (
    select
        person_id,
        sfa_lead_id,
        cast(row_number() over (
            partition by person_id order by coalesce(notified_at, created_at), sfa_lead_id
        ) as {{ dbt.type_bigint() }}) as cycle_number,
        coalesce(mql_at, notified_at, created_at) as handed_over_at
    from sfa
),

cycles as (
    select
        person_id,
        cycle_number,
        sfa_lead_id,
        case when cycle_number = 1 then null else handed_over_at end as starts_at
    from numbered
    union all
    select p.person_id, 1, null, null
    from {{ ref('int_persons') }} as p
    where p.is_journey_lead
        and not exists (select 1 from numbered as n where n.person_id = p.person_id)
)

select
    person_id,
    cycle_number,
    sfa_lead_id,
    starts_at,
    lead(starts_at) over (partition by person_id order by cycle_number) as ends_before,
    count(*) over (partition by person_id) as cycle_count
from cycles
