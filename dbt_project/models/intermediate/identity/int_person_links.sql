-- Every source record that stands for a person, with the person it resolves to and the rule used.
-- Rules, in order: the MA id carried in the SFA, else the normalised e-mail, else the record is a
-- person of its own. Records are never dropped: duplicates merge into one person (flagged).

with ma_leads as (
    select lead_id, email_normalized from {{ ref('stg_ma__leads') }}
),

ma_persons as (
    -- MA leads sharing an e-mail (the same person registered twice) are one person
    select
        lead_id,
        email_normalized,
        concat('ma:', min(lead_id) over (
            partition by coalesce(email_normalized, concat('id:', lead_id)))) as person_id
    from ma_leads
),

ma_email_index as (
    select email_normalized, min(person_id) as person_id
    from ma_persons
    where email_normalized is not null
    group by email_normalized
),

sfa_leads as (
    select sfa_lead_id, ma_lead_id, email_normalized from {{ ref('stg_sfa__leads') }}
),

sfa_pass_1 as (
    select
        s.sfa_lead_id,
        s.ma_lead_id,
        s.email_normalized,
        by_id.person_id as id_person_id,
        by_email.person_id as email_person_id,
        case
            when by_id.person_id is not null then by_id.person_id
            when by_email.person_id is not null then by_email.person_id
            -- the MA id identifies the person even when that MA record is not loaded
            when s.ma_lead_id is not null then concat('ma:', s.ma_lead_id)
        end as person_id,
        case
            when by_id.person_id is not null then 'ma_id'
            when by_email.person_id is not null then 'email'
            when s.ma_lead_id is not null then 'ma_id_not_loaded'
        end as match_rule
    from sfa_leads as s
    left join ma_persons as by_id on by_id.lead_id = s.ma_lead_id
    left join ma_email_index as by_email on by_email.email_normalized = s.email_normalized
),

sfa_email_index as (
    select email_normalized, min(person_id) as person_id
    from sfa_pass_1
    where person_id is not null and email_normalized is not null
    group by email_normalized
),

sfa_resolved as (
    select
        p.sfa_lead_id,
        p.email_normalized,
        coalesce(
            p.person_id,
            idx.person_id,
            concat('sfa:', min(p.sfa_lead_id) over (
                partition by coalesce(p.email_normalized, concat('id:', p.sfa_lead_id))))
        ) as person_id,
        p.match_rule as pass_1_rule,
        idx.person_id as pass_2_person_id,
        coalesce(p.id_person_id <> p.email_person_id, false) as has_conflict
    from sfa_pass_1 as p
    left join sfa_email_index as idx
        on p.person_id is null and idx.email_normalized = p.email_normalized
),

sfa_ruled as (
    select
        sfa_lead_id,
        email_normalized,
        person_id,
        case
            when pass_1_rule is not null then pass_1_rule
            when pass_2_person_id is not null then 'email'
            when person_id = concat('sfa:', sfa_lead_id) then 'sfa_lead'
            else 'email'
        end as match_rule,
        has_conflict
    from sfa_resolved
),

email_index as (
    -- one person per e-mail: MA first, then SFA
    select email_normalized, person_id
    from (
        select
            email_normalized,
            person_id,
            row_number() over (partition by email_normalized order by priority, person_id) as rank_
        from (
            select email_normalized, person_id, 1 as priority from ma_email_index
            union all
            select email_normalized, person_id, 2 as priority from sfa_resolved
            where email_normalized is not null
        ) as candidates
    ) as ranked
    where rank_ = 1
),

opportunities as (
    select opportunity_id, sfa_lead_id, contact_email_normalized
    from {{ ref('stg_sfa__opportunities') }}
),

opportunities_resolved as (
    select
        o.opportunity_id,
        o.contact_email_normalized as email_normalized,
        coalesce(
            via_lead.person_id,
            via_email.person_id,
            concat('opp:', min(o.opportunity_id) over (
                partition by coalesce(o.contact_email_normalized, concat('id:', o.opportunity_id))))
        ) as person_id,
        case
            when via_lead.person_id is not null then 'sfa_lead_id'
            when via_email.person_id is not null then 'email'
            else 'opportunity'
        end as match_rule
    from opportunities as o
    left join sfa_resolved as via_lead on via_lead.sfa_lead_id = o.sfa_lead_id
    left join email_index as via_email on via_email.email_normalized = o.contact_email_normalized
),

opportunity_email_index as (
    select email_normalized, min(person_id) as person_id
    from opportunities_resolved
    where email_normalized is not null and match_rule = 'opportunity'
    group by email_normalized
),

crm_contacts as (
    select contact_id, email_normalized from {{ ref('stg_crm__contacts') }}
),

crm_resolved as (
    select
        c.contact_id,
        c.email_normalized,
        coalesce(known.person_id, opp.person_id, concat('crm:', c.contact_id)) as person_id,
        case when coalesce(known.person_id, opp.person_id) is not null then 'email'
             else 'crm_contact' end as match_rule
    from crm_contacts as c
    left join email_index as known on known.email_normalized = c.email_normalized
    left join opportunity_email_index as opp on opp.email_normalized = c.email_normalized
),

links as (
    select
        'ma_lead' as record_type, lead_id as record_id, person_id, email_normalized,
        case when person_id = concat('ma:', lead_id) then 'ma_lead' else 'email' end as match_rule,
        false as has_conflict
    from ma_persons
    union all
    select 'sfa_lead', sfa_lead_id, person_id, email_normalized, match_rule, has_conflict
    from sfa_ruled
    union all
    select 'opportunity', opportunity_id, person_id, email_normalized, match_rule, false
    from opportunities_resolved
    union all
    select 'crm_contact', contact_id, person_id, email_normalized, match_rule, false
    from crm_resolved
)

select
    record_type,
    record_id,
    person_id,
    match_rule,
    email_normalized,
    has_conflict,
    count(*) over (partition by person_id, record_type) > 1 and record_type = 'ma_lead'
        as is_merged_duplicate
from links
