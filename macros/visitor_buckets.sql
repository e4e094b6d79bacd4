{#- Incremental builds on Spark. Plain Parquet tables cannot delete rows,
    so the visitor-level tables (stg_events__classified and the
    intermediate models) are partitioned by a visitor bucket (a hash of
    visitor_id), and an incremental build overwrites whole buckets
    (dbt-spark's insert_overwrite, dynamic partition overwrite; see
    get_insert_overwrite_sql below). The model's select is the same as on
    DuckDB: the rows to replace. On DuckDB these macros write nothing. -#}

{#- The number of buckets: a few per Spark task is enough; more buckets
    mean smaller rewrites per incremental build and more files. -#}
{% macro visitor_bucket_count() -%}
    {{ return(var('spark_visitor_buckets', 32) | int) }}
{%- endmacro %}

{% macro visitor_bucket(visitor_expr) -%}
    pmod(xxhash64({{ visitor_expr }}), {{ visitor_bucket_count() }})
{%- endmacro %}

{#- `, <bucket> as visitor_bucket` on Spark, to end a select list. -#}
{% macro visitor_bucket_column(visitor_expr='visitor_id') -%}
    {%- if target.type == 'spark' -%}
        , {{ visitor_bucket(visitor_expr) }} as visitor_bucket
    {%- endif -%}
{%- endmacro %}


{#- dbt-spark's insert_overwrite, taken over for the tables partitioned by
    visitor_bucket; any other table gets dbt-spark's plain statement.
    The new rows replace, within the buckets they touch, what the DuckDB
    strategies replace:
      - with a unique_key (stg_events__classified, key raw_row_id): the
        rows with the same key; every other row of those buckets is
        written back as it was;
      - without (the visitor-level models, like replace_visitors): every
        row of the changed visitors (changed_visitors_sql). Their buckets
        are rewritten with the other visitors' rows as they were; a bucket
        left with no row at all (its only visitors turned out to be bots)
        is dropped first, since an overwrite cannot empty it. -#}
{% macro get_insert_overwrite_sql(source_relation, target_relation, existing_relation) %}
    {%- set dest_columns = adapter.get_columns_in_relation(target_relation) -%}
    {%- set names = dest_columns | map(attribute='quoted') | list -%}
    {%- if config.get('partition_by') != 'visitor_bucket' %}
    insert overwrite table {{ target_relation }}
    {{ partition_cols(label="partition") }}
    select {{ names | join(', ') }} from {{ source_relation }}
    {%- else -%}
        {%- set key = config.get('unique_key') -%}
        {%- if key -%}
            {%- set replaced -%}
                select {{ key }} from {{ source_relation }}
            {%- endset -%}
            {%- set buckets -%}
                select distinct visitor_bucket from {{ source_relation }}
            {%- endset -%}
        {%- else -%}
            {%- set key = 'visitor_id' -%}
            {%- set replaced = changed_visitors_sql() -%}
            {%- set buckets -%}
                select distinct {{ visitor_bucket('visitor_id') }}
                from ({{ replaced }}) as replaced
            {%- endset -%}
            {%- set emptied = run_query(
                'select * from (' ~ buckets ~ ') as changed (visitor_bucket)'
                ~ ' where visitor_bucket not in (select visitor_bucket from '
                ~ source_relation ~ ') and visitor_bucket not in ('
                ~ 'select kept.visitor_bucket from ' ~ target_relation ~ ' as kept'
                ~ ' anti join (' ~ replaced ~ ') as replaced'
                ~ ' on kept.visitor_id = replaced.visitor_id)'
            ) -%}
            {%- for bucket in emptied.columns[0].values() -%}
                {%- do run_query('alter table ' ~ target_relation
                    ~ ' drop if exists partition (visitor_bucket = ' ~ bucket ~ ')') -%}
            {%- endfor -%}
        {%- endif %}
    insert overwrite table {{ target_relation }}
    partition (visitor_bucket)
    select {{ names | join(', ') }} from {{ source_relation }}
    union all
    select
        {%- for name in names %}
        kept.{{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ target_relation }} as kept
    anti join ({{ replaced }}) as replaced
        on kept.{{ key }} = replaced.{{ key }}
    where kept.visitor_bucket in ({{ buckets }})
    {%- endif %}
{% endmacro %}
