{#- visitor_incremental on Spark (see the DuckDB version for the plan).
    Plain Parquet tables cannot delete rows, so the tables are partitioned
    by a visitor bucket (visitor_bucket_expression) and an incremental
    build overwrites, in the buckets it touches, the replaced rows with the
    new ones and every other row of those buckets as it was (dynamic
    partition overwrite). A bucket left with no row at all (its only
    visitors turned out to be bots) is dropped first, since an overwrite
    cannot empty it. No transactions: the build record is appended after
    the table is written, so a build killed in between recomputes the same
    visitors again next time, which gives the same rows. -#}
{% materialization visitor_incremental, adapter='spark' %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_relation(this) -%}
    {%- set plan = incremental_plan() -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- set file_format = config.get('file_format', default='parquet') -%}
    {{ log(model.name ~ ": " ~ plan.mode ~ " build (" ~ plan.reason ~ ")",
        info=(plan.mode == 'full' and plan.previous is not none)) }}

    {{ run_hooks(pre_hooks) }}
    {%- set processed_through = none if unique_key else change_log_watermark() -%}

    {%- if plan.mode == 'full' -%}
        {%- if existing_relation is not none -%}
            {% do adapter.drop_relation(existing_relation) %}
        {%- endif -%}
        {%- call statement('main') -%}
            create table {{ target_relation }}
            using {{ file_format }}
            partitioned by (visitor_bucket)
            as {{ visitor_model_rows_sql(sql) }}
        {%- endcall -%}
    {%- else -%}
        {%- call statement('overwrite_mode') -%}
            set spark.sql.sources.partitionOverwriteMode = DYNAMIC
        {%- endcall -%}
        {%- set new_rows = target_relation.incorporate(
            path={'identifier': target_relation.identifier ~ '__new_rows'}
        ).include(database=false, schema=false) -%}
        {%- if unique_key -%}
            {%- set key = unique_key -%}
            {%- set model_sql = sql -%}
            {%- set replaced -%}
                select {{ key }} from {{ new_rows }}
            {%- endset -%}
            {%- set buckets -%}
                select distinct visitor_bucket from {{ new_rows }}
            {%- endset -%}
        {%- else -%}
            {%- set key = 'visitor_id' -%}
            {%- set changed = target_relation.incorporate(
                path={'identifier': target_relation.identifier ~ '__changed_visitors'}
            ).include(database=false, schema=false) -%}
            {%- call statement('changed_visitors') -%}
                create or replace temporary view {{ changed }} as
                {{ changed_visitors_sql(plan.previous.processed_through) }}
            {%- endcall -%}
            {%- set model_sql = filter_visitor_inputs(sql, changed) -%}
            {%- set replaced -%}
                select visitor_id from {{ changed }}
            {%- endset -%}
            {%- set buckets -%}
                select distinct {{ visitor_bucket_expression('visitor_id') }}
                from {{ changed }}
            {%- endset -%}
        {%- endif -%}
        {%- call statement('new_rows') -%}
            create or replace temporary view {{ new_rows }} as
            {{ visitor_model_rows_sql(model_sql) }}
        {%- endcall -%}
        {%- set rows_changed = run_query(
            'select count(*) from ' ~ (new_rows if unique_key else changed)
        ).columns[0].values()[0] -%}
        {%- if not unique_key -%}
            {%- set emptied = run_query(
                'select * from (' ~ buckets ~ ') as changed (visitor_bucket)'
                ~ ' where visitor_bucket not in (select visitor_bucket from '
                ~ new_rows ~ ') and visitor_bucket not in ('
                ~ 'select kept.visitor_bucket from ' ~ target_relation ~ ' as kept'
                ~ ' anti join (' ~ replaced ~ ') as replaced'
                ~ ' on kept.visitor_id = replaced.visitor_id)') -%}
            {%- for bucket in emptied.columns[0].values() -%}
                {%- do run_query('alter table ' ~ target_relation
                    ~ ' drop if exists partition (visitor_bucket = ' ~ bucket ~ ')') -%}
            {%- endfor -%}
        {%- endif -%}
        {%- set names = adapter.get_columns_in_relation(target_relation)
            | map(attribute='quoted') | list -%}
        {%- call statement('main') -%}
            insert overwrite table {{ target_relation }}
            partition (visitor_bucket)
            select {{ names | join(', ') }} from {{ new_rows }}
            union all
            select
            {%- for name in names %}
                kept.{{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
            from {{ target_relation }} as kept
            anti join ({{ replaced }}) as replaced
                on kept.{{ key }} = replaced.{{ key }}
            where kept.visitor_bucket in ({{ buckets }})
        {%- endcall -%}
    {%- endif -%}
    {% do record_model_build(plan, processed_through,
        rows_changed if plan.mode == 'incremental' else none) %}

    {{ run_hooks(post_hooks) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
