with source as (
    {{ latest_version('ma_leads') }}
),

renamed as (
    select
        -- ids
        lead_id,
        original_campaign_id,

        -- person
        email,
        {{ normalize_email('email') }} as email_normalized,
        phone,
        nullif(trim(concat(coalesce(last_name, ''), ' ', coalesce(first_name, ''))), '') as person_name,
        title,
        department,

        -- company
        company_name,
        {{ normalize_domain('company_domain') }} as company_domain,
        employees,
        industry,
        prefecture,

        -- journey
        original_channel,
        lifecycle_stage,

        -- timestamps (UTC)
        created_at,
        mql_at,
        modified_at,

        -- lineage and quality
        _flags is not null as is_out_of_order,
        _version_count as version_count,
        _file_name as source_file,
        _line_number as source_line
    from source
)

select * from renamed
