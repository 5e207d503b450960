-- Scores of each lead and cycle at the moment that matters: the MQL (reached) time of the cycle,
-- else as_of. Fit comes from the person's profile; engagement sums the points of their MA
-- activities up to that moment; the additive model adds the points of every rule that holds.
-- `score` and `meets_mql_rule` are those of the model in use (rules: scoring.model); `score_total`
-- is the same score over the whole history (for the what-if). Both models' components are kept.

with cycles as (
    select
        t.person_id,
        t.cycle_number,
        coalesce(t.mql_reached_at, a.as_of) as scored_at,
        case when t.mql_reached_at is not null then 'mql' else 'as_of' end as scored_at_basis
    from {{ ref('int_cycle_stage_times') }} as t
    cross join {{ ref('int_as_of') }} as a
),

points as (
    select * from {{ ref('int_activity_points') }} where person_id is not null
),

engagement as (
    select
        c.person_id,
        c.cycle_number,
        sum(case when p.occurred_at <= c.scored_at then p.points else 0 end) as engagement_score,
        sum(p.points) as engagement_score_total
    from cycles as c
    inner join points as p on p.person_id = c.person_id
    group by c.person_id, c.cycle_number
),

activity_counts as (
    select
        c.person_id, c.cycle_number, p.activity_type,
        {{ count_where('p.occurred_at <= c.scored_at') }} as activities,
        count(*) as activities_total
    from cycles as c
    inner join points as p on p.person_id = c.person_id
    group by c.person_id, c.cycle_number, p.activity_type
),

additive_points as (
    select
        c.person_id,
        c.cycle_number,
        r.points,
        case
            when r.min_employees is not null then pr.employees >= r.min_employees
            when r.industry_in is not null
                then instr(concat(',', r.industry_in, ','), concat(',', pr.industry, ',')) > 0
            when r.title_level_in is not null
                then instr(concat(',', r.title_level_in, ','), concat(',', pr.title_level, ',')) > 0
        end as profile_holds,
        r.activity_type is not null and coalesce(ac.activities, 0) >= r.min_count as activity_holds,
        r.activity_type is not null and coalesce(ac.activities_total, 0) >= r.min_count as activity_holds_total
    from cycles as c
    cross join {{ source('config', 'additive_rules') }} as r
    left join {{ ref('int_person_profile') }} as pr on pr.person_id = c.person_id
    left join activity_counts as ac
        on ac.person_id = c.person_id and ac.cycle_number = c.cycle_number
        and ac.activity_type = r.activity_type
),

additive as (
    select
        person_id,
        cycle_number,
        sum(case when coalesce(profile_holds, false) or activity_holds then points else 0 end) as additive_score,
        sum(case when coalesce(profile_holds, false) or activity_holds_total then points else 0 end)
            as additive_score_total
    from additive_points
    group by person_id, cycle_number
),

scores as (
    select
        c.person_id,
        c.cycle_number,
        c.scored_at,
        c.scored_at_basis,
        coalesce(pr.fit_score, 0) as fit_score,
        coalesce(e.engagement_score, 0) as engagement_score,
        coalesce(e.engagement_score_total, 0) as engagement_score_total,
        coalesce(ad.additive_score, 0) as additive_score,
        coalesce(ad.additive_score_total, 0) as additive_score_total
    from cycles as c
    left join {{ ref('int_person_profile') }} as pr on pr.person_id = c.person_id
    left join engagement as e on e.person_id = c.person_id and e.cycle_number = c.cycle_number
    left join additive as ad on ad.person_id = c.person_id and ad.cycle_number = c.cycle_number
)

select
    s.*,
    case when {{ rule('scoring_model') }} = 'additive' then s.additive_score
         else s.fit_score + s.engagement_score end as score,
    case when {{ rule('scoring_model') }} = 'additive' then s.additive_score_total
         else s.fit_score + s.engagement_score_total end as score_total,
    case when {{ rule('scoring_model') }} = 'additive' then s.additive_score >= {{ rule('mql_score_min') }}
         else s.fit_score >= {{ rule('mql_fit_min') }} and s.engagement_score >= {{ rule('mql_engagement_min') }}
    end as meets_mql_rule
from scores as s
