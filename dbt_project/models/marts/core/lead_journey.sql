-- One row per lead (resolved person) and cycle: who they are, where they came from, when they
-- entered and reached each stage, their scores at MQL time, grade, BANT and the hand-off SLA.
-- Times are UTC; cohort months and fiscal periods are in the business time zone.

with stage_times as (
    select * from {{ ref('int_cycle_stage_times') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

persons as (
    select * from {{ ref('int_persons') }} where is_journey_lead
),

sfa as (
    select * from {{ ref('stg_sfa__leads') }}
),

users as (
    select * from {{ ref('stg_sfa__users') }}
),

contact_attempts as (
    select
        t.person_id,
        t.cycle_number,
        count(*) as attempts,
        max(case when a.is_reached then 1 else 0 end) = 1 as was_reached
    from stage_times as t
    cross join as_of
    inner join sfa on sfa.sfa_lead_id = t.sfa_lead_id
    inner join {{ ref('stg_sfa__activities') }} as a on a.sfa_lead_id = t.sfa_lead_id
    where a.activity_type in (
            select value from {{ source('config', 'rule_lists') }}
            where list_name = 'contact_activity_types')
        and a.occurred_at <= coalesce(sfa.decided_at, as_of.as_of)
    group by t.person_id, t.cycle_number
),

cycle_opportunities as (
    -- the cycle's latest opportunity gives the field-sales owner
    select person_id, cycle_number, owner as opportunity_owner, opportunities
    from (
        select
            person_id,
            cycle_number,
            owner,
            count(*) over (partition by person_id, cycle_number) as opportunities,
            row_number() over (
                partition by person_id, cycle_number order by created_at desc, opportunity_id desc
            ) as rank_
        from {{ ref('int_opportunity_cycles') }}
    ) as ranked
    where rank_ = 1
),

base as (
    select
        t.*,
        sfa.owner,
        coalesce(sfa.notified_at, sfa.created_at) as notified_at,
        sfa.status as sfa_status,
        sfa.decided_at,
        sfa.disqualification_reason,
        sfa.disqualification_detail,
        sfa.bant_budget,
        sfa.bant_authority,
        sfa.bant_need,
        sfa.bant_timeline,
        sfa.timeline_months,
        (case when sfa.bant_budget then 1 else 0 end + case when sfa.bant_authority then 1 else 0 end
         + case when sfa.bant_need then 1 else 0 end + case when sfa.bant_timeline then 1 else 0 end)
            as bant_yes_count,
        case
            when sfa.status = 'sql' then 'sql'
            when sfa.status in ('disqualified', 'recycled') then 'non_sql'
            when sfa.sfa_lead_id is not null then 'pending'
        end as decision,
        case when sfa.sfa_lead_id is not null then t.sal_at end as first_contact_at,
        coalesce(ca.attempts, 0) as attempts_before_decision,
        coalesce(ca.was_reached, false) as was_reached,
        a.as_of
    from stage_times as t
    cross join as_of as a
    left join sfa on sfa.sfa_lead_id = t.sfa_lead_id
    left join contact_attempts as ca on ca.person_id = t.person_id and ca.cycle_number = t.cycle_number
),

local_times as (
    select
        b.*,
        {{ to_business_time('b.notified_at') }} as notified_local,
        {{ to_business_time('b.first_contact_at') }} as first_contact_local,
        {{ to_business_time('b.decided_at') }} as decided_local,
        {{ to_business_time('b.as_of') }} as as_of_local,
        cast({{ dbt.date_trunc('month', to_business_time('b.mql_reached_at')) }} as date) as cohort_month,
        cast({{ dbt.date_trunc('month', to_business_time('b.notified_at')) }} as date) as notified_month,
        cast({{ dbt.date_trunc('month', to_business_time('b.decided_at')) }} as date) as decided_month,
        cast({{ dbt.date_trunc('month', to_business_time('b.known_reached_at')) }} as date) as known_month,
        cast({{ to_business_time('b.mql_reached_at') }} as date) as mql_local_date
    from base as b
),

measured as (
    select
        l.*,
        {{ seconds_between('l.notified_at', 'l.first_contact_at') }} / cast(3600 as double) as hours_to_first_contact,
        ({{ business_minute_index('l.first_contact_local', 'c_contact') }}
            - {{ business_minute_index('l.notified_local', 'c_notified') }}) / cast(60 as double) as business_hours_to_first_contact,
        ({{ business_minute_index('l.as_of_local', 'c_as_of') }}
            - {{ business_minute_index('l.notified_local', 'c_notified') }}) / cast(60 as double) as business_hours_waiting,
        {{ seconds_between('l.notified_at', 'l.as_of') }} / cast(3600 as double) as hours_waiting,
        c_decided.business_day_index - c_notified.business_day_index as business_days_to_decision,
        c_as_of.business_day_index - c_notified.business_day_index as business_days_waiting,
        c_mql.fiscal_year as cohort_fiscal_year,
        c_mql.fiscal_quarter as cohort_fiscal_quarter,
        (select min(b.bucket_order) from {{ source('config', 'speed_buckets') }} as b
         where b.max_minutes is null
            or {{ seconds_between('l.notified_at', 'l.first_contact_at') }} / cast(60 as double) <= b.max_minutes)
            as speed_bucket_order
    from local_times as l
    left join {{ source('config', 'calendar') }} as c_notified
        on c_notified.date_day = cast(l.notified_local as date)
    left join {{ source('config', 'calendar') }} as c_contact
        on c_contact.date_day = cast(l.first_contact_local as date)
    left join {{ source('config', 'calendar') }} as c_decided
        on c_decided.date_day = cast(l.decided_local as date)
    left join {{ source('config', 'calendar') }} as c_as_of
        on c_as_of.date_day = cast(l.as_of_local as date)
    left join {{ source('config', 'calendar') }} as c_mql
        on c_mql.date_day = l.mql_local_date
),

sla as (
    select
        m.*,
        case when {{ rule('sla_first_contact_clock') }} = 'business'
             then m.business_hours_to_first_contact else m.hours_to_first_contact end as sla_contact_hours,
        case when {{ rule('sla_first_contact_clock') }} = 'business'
             then m.business_hours_waiting else m.hours_waiting end as sla_waiting_hours
    from measured as m
),

flags as (
    select
        s.*,
        case
            when s.notified_at is null or not {{ is_measurable('sla:first_contact') }} then null
            when s.first_contact_at is not null
                then s.sla_contact_hours <= {{ rule('sla_first_contact_hours') }}
            when s.sla_waiting_hours > {{ rule('sla_first_contact_hours') }} then false
        end as sla_first_contact_met,
        case
            when s.decision = 'non_sql' and not s.was_reached and {{ is_measurable('sla:attempts') }}
                then s.attempts_before_decision >= {{ rule('sla_min_attempts') }}
        end as sla_attempts_met,
        case
            when s.notified_at is null or not {{ is_measurable('sla:decision') }} then null
            when s.decided_at is not null
                then s.business_days_to_decision <= {{ rule('sla_decision_business_days') }}
            when s.business_days_waiting > {{ rule('sla_decision_business_days') }} then false
        end as sla_decision_met,
        case
            when s.decision = 'non_sql' and {{ rule('sla_non_sql_reason_required') }}
                and {{ is_measurable('sla:reason') }}
                then s.disqualification_reason is not null
        end as sla_reason_met
    from sla as s
)

select
    -- ids
    f.person_id as lead_id,
    f.cycle_number,
    f.cycle_count,
    f.cycle_number = f.cycle_count as is_latest_cycle,
    f.sfa_lead_id,
    pr.account_id,
    pr.account_name,
    pr.account_match_rule,

    -- who and where from
    p.person_name,
    p.email,
    p.title,
    pr.title_level,
    p.original_channel,
    p.original_campaign_id,
    camp.campaign_name as original_campaign_name,
    coalesce(pr.segment, {{ no_value() }}) as segment,
    coalesce(pr.industry, {{ no_value() }}) as industry,
    coalesce(pr.size_band, {{ no_value() }}) as size_band,
    pr.employees,
    coalesce(pr.region, {{ no_value() }}) as region,
    pr.prefecture,
    f.owner,
    u.team as owner_team,
    u.manager_name as owner_manager,
    co.opportunity_owner,
    coalesce(co.opportunities, 0) as opportunity_count,

    -- stages: first entry (UTC)
    {%- for s in journey_stages() %}
    f.{{ s.stage }}_at,
    {%- endfor %}

    -- funnel stages: reached (own entry, else inferred from a later stage)
    {%- for s in journey_stages() if s.funnel %}
    f.{{ s.stage }}_reached_at,
    f.{{ s.stage }}_at is null and f.{{ s.stage }}_reached_at is not null as {{ s.stage }}_is_inferred,
    {%- endfor %}
    f.has_approximate_times,

    -- time in stage (days, reached to next reached)
    {{ seconds_between('f.known_reached_at', 'f.mql_reached_at') }} / cast(86400 as double) as days_known_to_mql,
    {{ seconds_between('f.mql_reached_at', 'f.sal_reached_at') }} / cast(86400 as double) as days_in_mql,
    {{ seconds_between('f.sal_reached_at', 'f.sql_reached_at') }} / cast(86400 as double) as days_in_sal,
    {{ seconds_between('f.sql_reached_at', 'f.opportunity_reached_at') }} / cast(86400 as double) as days_in_sql,
    {{ seconds_between('f.opportunity_reached_at', 'coalesce(f.won_at, f.lost_at)') }} / cast(86400 as double)
        as days_in_opportunity,
    {{ seconds_between('f.mql_reached_at', 'f.won_reached_at') }} / cast(86400 as double) as days_mql_to_won,
    f.won_reached_at < f.mql_reached_at as is_won_before_mql,

    -- scores at MQL time (else at as_of): the model in use, then both models' components
    sc.scored_at_basis,
    sc.score,
    sc.score_total,
    sc.meets_mql_rule,
    sc.fit_score,
    sc.engagement_score,
    sc.engagement_score_total,
    sc.additive_score,

    -- BANT and grade
    f.bant_budget,
    f.bant_authority,
    f.bant_need,
    f.bant_timeline,
    f.timeline_months,
    case when f.sfa_lead_id is not null then f.bant_yes_count end as bant_yes_count,
    case when f.sfa_lead_id is not null then f.bant_yes_count >= {{ rule('bant_sql_min_yes') }} end
        as bant_rule_met,
    case
        when f.sfa_lead_id is null then null
        when sc.score >= {{ rule('grade_a_min_score') }}
            and f.bant_yes_count >= {{ rule('bant_sql_min_yes') }}
            and (not {{ rule('grade_a_need') }} or coalesce(f.bant_need, false))
            and (not {{ rule('grade_a_authority') }} or coalesce(f.bant_authority, false))
            and f.timeline_months <= {{ rule('grade_a_max_timeline_months') }} then 'A'
        when f.timeline_months <= {{ rule('grade_b_max_timeline_months') }}
            or f.bant_yes_count >= {{ rule('grade_b_min_bant_yes') }} then 'B'
        else 'C'
    end as grade,

    -- hand-off SLA
    f.notified_at,
    f.first_contact_at,
    f.hours_to_first_contact,
    f.business_hours_to_first_contact,
    bucket.bucket_label as speed_to_lead_bucket,
    case when f.notified_at is not null then f.attempts_before_decision end as attempts_before_decision,
    f.was_reached,
    f.decision,
    f.decided_at,
    f.business_days_to_decision,
    f.disqualification_reason as non_sql_reason,
    f.disqualification_detail as non_sql_reason_detail,
    case when f.decision = 'non_sql' then f.disqualification_reason is not null end
        as non_sql_reason_present,
    f.sla_first_contact_met,
    f.sla_attempts_met,
    f.sla_decision_met,
    f.sla_reason_met,
    case
        when f.sla_first_contact_met = false or f.sla_attempts_met = false
            or f.sla_decision_met = false or f.sla_reason_met = false then false
        when f.sla_first_contact_met or f.sla_attempts_met or f.sla_decision_met or f.sla_reason_met
            then true
    end as sla_all_met,
    {{ dbt.dateadd('second', "cast(" ~ rule('sla_first_contact_hours') ~ " * 3600 as integer)", 'f.notified_at') }}
        as first_contact_due_at,

    -- periods (business time zone)
    f.cohort_month,
    f.notified_month,
    f.decided_month,
    f.known_month,
    f.cohort_fiscal_year,
    f.cohort_fiscal_quarter,

    -- quality
    p.is_merged as is_merged_person,
    p.has_identity_conflict,
    f.as_of
from flags as f
inner join persons as p on p.person_id = f.person_id
left join {{ ref('int_person_profile') }} as pr on pr.person_id = f.person_id
left join {{ ref('int_cycle_scores') }} as sc
    on sc.person_id = f.person_id and sc.cycle_number = f.cycle_number
left join users as u on u.user_name = f.owner
left join cycle_opportunities as co on co.person_id = f.person_id and co.cycle_number = f.cycle_number
left join {{ ref('stg_ma__campaigns') }} as camp on camp.campaign_id = p.original_campaign_id
left join {{ source('config', 'speed_buckets') }} as bucket
    on bucket.bucket_order = f.speed_bucket_order and f.first_contact_at is not null
