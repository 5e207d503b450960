with source as (
    {{ latest_version('crm_contacts') }}
),

renamed as (
    select
        contact_id,
        account_id,
        email,
        {{ normalize_email('email') }} as email_normalized,
        nullif(trim(concat(coalesce(last_name, ''), ' ', coalesce(first_name, ''))), '') as person_name,
        title,
        buying_role,
        created_at,
        modified_at
    from source
)

select * from renamed
