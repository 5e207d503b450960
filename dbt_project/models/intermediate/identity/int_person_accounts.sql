-- The account each person belongs to: by account id (their latest opportunity, else their CRM
-- contact), else by company domain (the MA's company domain, else the e-mail domain unless it is
-- a free-mail domain). The rule used is recorded; persons with no account keep a null.

with persons as (
    select person_id, company_domain, email_normalized from {{ ref('int_persons') }}
),

links as (
    select * from {{ ref('int_person_links') }}
),

by_opportunity as (
    select person_id, account_id
    from (
        select
            l.person_id,
            o.account_id,
            row_number() over (partition by l.person_id order by o.created_at desc, o.opportunity_id desc)
                as rank_
        from links as l
        inner join {{ ref('stg_sfa__opportunities') }} as o
            on l.record_type = 'opportunity' and o.opportunity_id = l.record_id
        where o.account_id is not null
    ) as ranked
    where rank_ = 1
),

by_contact as (
    select person_id, min(c.account_id) as account_id
    from links as l
    inner join {{ ref('stg_crm__contacts') }} as c
        on l.record_type = 'crm_contact' and c.contact_id = l.record_id
    where c.account_id is not null
    group by person_id
),

domains as (
    select domain, min(account_id) as account_id, count(*) as accounts_with_domain
    from {{ ref('stg_crm__accounts') }}
    where domain is not null
    group by domain
),

free_mail as (
    select value as domain from {{ source('config', 'rule_lists') }}
    where list_name = 'free_email_domains'
),

email_domains as (
    select
        p.person_id,
        {{ dbt.split_part('p.email_normalized', "'@'", 2) }} as email_domain
    from persons as p
    where p.email_normalized is not null
)

select
    p.person_id,
    coalesce(o.account_id, c.account_id, d1.account_id, d2.account_id) as account_id,
    case
        when o.account_id is not null then 'opportunity_account_id'
        when c.account_id is not null then 'crm_contact_account_id'
        when d1.account_id is not null then 'company_domain'
        when d2.account_id is not null then 'email_domain'
        else 'unmatched'
    end as account_match_rule
from persons as p
left join by_opportunity as o on o.person_id = p.person_id
left join by_contact as c on c.person_id = p.person_id
left join domains as d1 on d1.domain = p.company_domain
left join email_domains as e on e.person_id = p.person_id
left join domains as d2
    on d2.domain = e.email_domain
    and e.email_domain not in (select domain from free_mail)
