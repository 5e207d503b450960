-- One row per resolved person, with the attributes of their earliest record and the journey
-- facts that do not depend on a cycle. Journey leads are persons with an MA lead, an SFA lead or
-- an opportunity; CRM-only contacts are persons but not leads.

-- Each source's earliest record per person is ranked on its id and creation time alone, then
-- joined back, so the window does not carry every column.

{%- set sources = [
    ('ma', 'ma_lead', 'stg_ma__leads', 'lead_id'),
    ('sfa', 'sfa_lead', 'stg_sfa__leads', 'sfa_lead_id'),
    ('opps', 'opportunity', 'stg_sfa__opportunities', 'opportunity_id'),
    ('crm', 'crm_contact', 'stg_crm__contacts', 'contact_id'),
] %}

with links as (
    select * from {{ ref('int_person_links') }}
),
{% for name, record_type, model, id in sources %}
{{ name }}_ranked as (
    select
        l.person_id,
        r.{{ id }},
        r.created_at,
        row_number() over (partition by l.person_id order by r.created_at, r.{{ id }}) as rank_
    from links as l
    inner join {{ ref(model) }} as r
        on l.record_type = '{{ record_type }}' and r.{{ id }} = l.record_id
),

{{ name }} as (
    select ranked.person_id, r.*
    from {{ name }}_ranked as ranked
    inner join {{ ref(model) }} as r on r.{{ id }} = ranked.{{ id }}
    where ranked.rank_ = 1
),
{% endfor %}
per_person as (
    select
        person_id,
        max(case when record_type in ('ma_lead', 'sfa_lead', 'opportunity') then 1 else 0 end) = 1
            as is_journey_lead,
        sum(case when record_type = 'ma_lead' then 1 else 0 end) as ma_record_count,
        sum(case when record_type = 'sfa_lead' then 1 else 0 end) as sfa_record_count,
        sum(case when record_type = 'opportunity' then 1 else 0 end) as opportunity_count,
        sum(case when record_type = 'crm_contact' then 1 else 0 end) as crm_contact_count,
        max(case when has_conflict then 1 else 0 end) = 1 as has_identity_conflict,
        min(email_normalized) as any_email
    from links
    group by person_id
),

first_known as (
    select person_id, min(created_at) as first_known_at
    from (
        select person_id, created_at from ma_ranked
        union all
        select person_id, created_at from sfa_ranked
        union all
        select person_id, created_at from opps_ranked
    ) as created
    group by person_id
)

select
    p.person_id,
    p.is_journey_lead,
    p.ma_record_count,
    p.sfa_record_count,
    p.opportunity_count,
    p.crm_contact_count,
    p.ma_record_count > 1 as is_merged,
    p.has_identity_conflict,
    fk.first_known_at,
    coalesce(ma.email_normalized, sfa.email_normalized, opps.contact_email_normalized,
             crm.email_normalized, p.any_email) as email_normalized,
    coalesce(ma.email, sfa.email, opps.contact_email, crm.email) as email,
    coalesce(ma.phone, sfa.phone) as phone,
    coalesce(ma.person_name, sfa.person_name, crm.person_name) as person_name,
    coalesce(ma.title, sfa.title, crm.title) as title,
    ma.department,
    coalesce(ma.company_name, sfa.company_name, opps.account_name) as company_name,
    ma.company_domain,
    ma.employees,
    ma.industry,
    ma.prefecture,
    coalesce(ma.original_channel, sfa.lead_source, opps.lead_source) as original_channel,
    case
        when ma.person_id is not null then 'ma'
        when sfa.person_id is not null then 'sfa'
        when opps.person_id is not null then 'sfa_opportunity'
    end as channel_source,
    ma.original_campaign_id,
    crm.buying_role
from per_person as p
left join first_known as fk on fk.person_id = p.person_id
left join ma on ma.person_id = p.person_id
left join sfa on sfa.person_id = p.person_id
left join opps on opps.person_id = p.person_id
left join crm on crm.person_id = p.person_id
