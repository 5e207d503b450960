with source as (
    {{ latest_version('crm_accounts') }}
),

renamed as (
    select
        -- ids
        account_id,
        parent_account_id,

        -- strings
        account_name,
        {{ normalize_domain('domain') }} as domain,
        industry,
        segment,
        prefecture,
        relationship_stage,
        owner,

        -- numerics
        employees,
        annual_spend_estimate,

        -- timestamps (UTC)
        created_at,
        modified_at
    from source
)

select * from renamed
