-- One row per account: segment, customer status and ARR, the account-based score (all its people
-- together: Japanese purchasing involves proposer, influencers and the decision maker) and the
-- buying committee reached. A person's role is their CRM buying role, else their title level
-- (executive = decision maker, director = proposer, manager = influencer); a role is reached when
-- such a person had a sales contact (SAL) or is a CRM contact of the account.

with as_of as (
    select * from {{ ref('int_as_of') }}
),

people as (
    select
        pr.account_id,
        p.person_id,
        p.is_journey_lead,
        p.crm_contact_count > 0 as is_crm_contact,
        coalesce(p.buying_role, case pr.title_level when 'executive' then 'decision_maker'
                                                  when 'director' then 'proposer'
                                                  when 'manager' then 'influencer' end) as buying_role,
        pr.fit_score
    from {{ ref('int_persons') }} as p
    inner join {{ ref('int_person_profile') }} as pr on pr.person_id = p.person_id
    where pr.account_id is not null
),

journeys as (
    select lead_id, max(case when sal_reached_at is not null then 1 else 0 end) = 1 as was_contacted,
           max(case when mql_reached_at is not null then 1 else 0 end) = 1 as was_mql
    from {{ ref('lead_journey') }}
    group by lead_id
),

engagement as (
    select
        a.person_id,
        sum(a.points) as engagement_points,
        sum(case when a.occurred_at > {{ dbt.dateadd('day', '-1 * ' ~ rule('dormant_days'), 'o.as_of') }}
                 then a.points else 0 end) as recent_points
    from {{ ref('int_activity_points') }} as a
    cross join as_of as o
    where a.person_id is not null
    group by a.person_id
),

per_account as (
    select
        pe.account_id,
        {{ count_where('pe.is_journey_lead') }} as leads,
        {{ count_where('j.was_mql') }} as mql_leads,
        {{ count_where('e.recent_points > 0') }} as engaged_contacts,
        max(pe.fit_score) as max_fit_score,
        coalesce(sum(e.engagement_points), 0) as account_engagement_score,
        coalesce(sum(e.recent_points), 0) as recent_engagement_score,
        max(case when pe.buying_role = 'decision_maker' and (j.was_contacted or pe.is_crm_contact) then 1 else 0 end) = 1
            as decision_maker_reached,
        max(case when pe.buying_role = 'proposer' and (j.was_contacted or pe.is_crm_contact) then 1 else 0 end) = 1
            as proposer_reached,
        max(case when pe.buying_role = 'influencer' and (j.was_contacted or pe.is_crm_contact) then 1 else 0 end) = 1
            as influencer_reached
    from people as pe
    left join journeys as j on j.lead_id = pe.person_id
    left join engagement as e on e.person_id = pe.person_id
    group by pe.account_id
),

current_arr as (
    -- ARR at the end of the reporting month (the last complete one), as the executive page shows it
    select account_id, month as arr_month, arr
    from {{ ref('arr_account_monthly') }}
    where month = (select last_complete_month from {{ ref('int_as_of') }})
)

select
    a.account_id,
    a.account_name,
    coalesce(a.segment, {{ no_value() }}) as segment,
    a.industry,
    a.employees,
    a.prefecture,
    a.relationship_stage,
    coalesce(c.arr, 0) > 0 as is_customer,
    cast(coalesce(c.arr, 0) as decimal(18, 2)) as current_arr,
    (select last_complete_month from {{ ref('int_as_of') }}) as arr_month,
    coalesce(pa.leads, 0) as leads,
    coalesce(pa.mql_leads, 0) as mql_leads,
    coalesce(pa.engaged_contacts, 0) as engaged_contacts,
    coalesce(pa.max_fit_score, 0) as max_fit_score,
    coalesce(pa.account_engagement_score, 0) as account_engagement_score,
    coalesce(pa.recent_engagement_score, 0) as recent_engagement_score,
    coalesce(pa.max_fit_score, 0) + coalesce(pa.recent_engagement_score, 0) as account_score,
    coalesce(pa.decision_maker_reached, false) as decision_maker_reached,
    coalesce(pa.proposer_reached, false) as proposer_reached,
    coalesce(pa.influencer_reached, false) as influencer_reached,
    (case when pa.decision_maker_reached then 1 else 0 end + case when pa.proposer_reached then 1 else 0 end
     + case when pa.influencer_reached then 1 else 0 end) / cast(3 as double) as buying_committee_coverage,
    {{ rule('reporting_currency') }} as currency
from {{ ref('stg_crm__accounts') }} as a
left join per_account as pa on pa.account_id = a.account_id
left join current_arr as c on c.account_id = a.account_id
