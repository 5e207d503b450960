-- Enterprise accounts are managed by relationship quality, not lead volume. One row per enterprise
-- account: its relationship stage (contact built -> issues shared -> co-created proposal ->
-- executive involvement -> trust established -> spread inside -> spread outside) with the KPIs of
-- each stage - people and departments in contact, consultations the customer initiated,
-- account-plan updates, key-person and executive meetings, proposals - and the KGIs: annual
-- revenue (ARR) and share of the customer's spend where an estimate exists.

{%- set stages = ['contact_built', 'issues_shared', 'co_created_proposal', 'executive_involvement',
                  'trust_established', 'spread_inside', 'spread_outside'] %}

with accounts as (
    select * from {{ ref('account_overview') }} where segment = 'enterprise'
),

activities as (
    -- sales activities on the account's opportunities and on its people's hand-offs
    select o.account_id, a.activity_type, a.occurred_at, cast(null as {{ dbt.type_string() }}) as person_id
    from {{ ref('stg_sfa__activities') }} as a
    inner join {{ ref('stg_sfa__opportunities') }} as o on o.opportunity_id = a.opportunity_id
    union all
    select pr.account_id, a.activity_type, a.occurred_at, l.person_id
    from {{ ref('stg_sfa__activities') }} as a
    inner join {{ ref('int_person_links') }} as l on l.record_type = 'sfa_lead' and l.record_id = a.sfa_lead_id
    inner join {{ ref('int_person_profile') }} as pr on pr.person_id = l.person_id
),

contacts as (
    -- people in contact: contacted leads and CRM contacts of the account
    select pr.account_id, p.person_id, p.department
    from {{ ref('int_persons') }} as p
    inner join {{ ref('int_person_profile') }} as pr on pr.person_id = p.person_id
    left join (select distinct lead_id from {{ ref('lead_journey') }} where sal_reached_at is not null) as j
        on j.lead_id = p.person_id
    where pr.account_id is not null and (j.lead_id is not null or p.crm_contact_count > 0)
),

kpis as (
    select
        account_id,
        {{ count_where("activity_type = 'customer_consultation'") }} as customer_consultations,
        {{ count_where("activity_type = 'account_plan_update'") }} as account_plan_updates,
        {{ count_where("activity_type = 'key_person_meeting'") }} as key_person_meetings,
        {{ count_where("activity_type = 'executive_meeting'") }} as executive_meetings,
        {{ count_where("activity_type = 'proposal'") }} as proposals,
        max(occurred_at) as last_activity_at
    from activities
    group by account_id
),

reach as (
    select account_id, count(distinct person_id) as people_in_contact,
           count(distinct department) as departments_in_contact
    from contacts
    group by account_id
)

select
    a.account_id,
    a.account_name,
    a.relationship_stage,
    case a.relationship_stage
    {%- for s in stages %}
        when '{{ s }}' then {{ loop.index }}
    {%- endfor %}
    end as relationship_stage_order,
    coalesce(r.people_in_contact, 0) as people_in_contact,
    coalesce(r.departments_in_contact, 0) as departments_in_contact,
    coalesce(k.customer_consultations, 0) as customer_consultations,
    coalesce(k.account_plan_updates, 0) as account_plan_updates,
    coalesce(k.key_person_meetings, 0) as key_person_meetings,
    coalesce(k.executive_meetings, 0) as executive_meetings,
    coalesce(k.proposals, 0) as proposals,
    k.last_activity_at,
    a.buying_committee_coverage,
    a.current_arr as annual_revenue,
    cast(s.annual_spend_estimate as decimal(18, 2)) as annual_spend_estimate,
    cast(a.current_arr as double) / nullif(cast(s.annual_spend_estimate as double), 0) as share_of_spend,
    a.currency
from accounts as a
left join kpis as k on k.account_id = a.account_id
left join reach as r on r.account_id = a.account_id
left join {{ ref('stg_crm__accounts') }} as s on s.account_id = a.account_id
