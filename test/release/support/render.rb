# Renders one job template the way BOSH does (bosh-template's EvaluationContext), for tests.
#
#   ruby render.rb <job spec file> <template file>   < {"properties": {...}, "spec": {...}, "undeclared": "ignore"}
#
# - Job properties are built from the spec's declarations only: each declared property takes the
#   manifest value at its dotted path, else the spec default. BOSH drops undeclared manifest
#   properties; here they are an error (a typo in a test) unless "undeclared" is "ignore" (a whole
#   instance group's properties).
# - p(name | [names], default?) returns the first set value, else the default, else raises
#   UnknownProperty; if_p(*names) yields when all are set and offers `.else`.
# - spec is an OpenStruct of the instance spec (name, id, index, az, address, ip, deployment,
#   bootstrap, networks); links are not supported.
# - ERB trim mode '-', as BOSH uses.
require 'erb'
require 'json'
require 'ostruct'
require 'yaml'

class UnknownProperty < StandardError
  def initialize(names)
    super("Can't find property '#{names.join("', or '")}'")
  end
end

class UndeclaredProperty < StandardError; end

class ActiveElseBlock
  def else; end
  def else_if_p(*_names); self; end
end

class InactiveElseBlock
  def initialize(context)
    @context = context
  end

  def else
    yield
  end

  def else_if_p(*names, &block)
    @context.if_p(*names, &block)
  end
end

class EvaluationContext
  attr_reader :spec, :raw_properties

  def initialize(declared, manifest_properties, spec, ignore_undeclared: false)
    @raw_properties = {}
    declared.each do |name, definition|
      value = lookup(manifest_properties, name)
      value = (definition || {})['default'] if value.nil?
      store(@raw_properties, name, value) unless value.nil?
    end
    check_declared(declared.keys, manifest_properties) unless ignore_undeclared
    @spec = to_ostruct(spec.merge('properties' => @raw_properties))
  end

  def p(*args)
    names = Array(args[0])
    names.each do |name|
      value = lookup(@raw_properties, name)
      return value unless value.nil?
    end
    return args[1] if args.length == 2

    raise UnknownProperty, names
  end

  def if_p(*names)
    values = names.map { |name| lookup(@raw_properties, name) }
    return InactiveElseBlock.new(self) if values.any?(&:nil?)

    yield(*values)
    ActiveElseBlock.new
  end

  def link(name)
    raise "link('#{name}'): links are not supported by this test harness"
  end

  def if_link(name)
    raise "if_link('#{name}'): links are not supported by this test harness"
  end

  def get_binding
    binding
  end

  private

  def lookup(hash, name)
    name.split('.').reduce(hash) do |node, key|
      return nil unless node.is_a?(Hash) && node.key?(key)

      node[key]
    end
  end

  def store(hash, name, value)
    keys = name.split('.')
    last = keys.pop
    keys.reduce(hash) { |node, key| node[key] ||= {} }[last] = value
  end

  # Every leaf of the manifest properties must be, or sit under, a declared property.
  def check_declared(names, node, path = [])
    return if names.include?(path.join('.'))
    raise UndeclaredProperty, "property '#{path.join('.')}' is not declared in the job spec" unless node.is_a?(Hash)

    node.each { |key, value| check_declared(names, value, path + [key]) }
  end

  def to_ostruct(value)
    case value
    when Hash then OpenStruct.new(value.transform_values { |v| to_ostruct(v) })
    when Array then value.map { |v| to_ostruct(v) }
    else value
    end
  end
end

DEFAULT_SPEC = {
  'name' => 'bosh',
  'id' => 'a3b1c2d4-0000-4000-8000-000000000001',
  'index' => 0,
  'az' => 'z1',
  'address' => '10.0.0.10',
  'ip' => '10.0.0.10',
  'deployment' => 'bosh',
  'bootstrap' => true,
  'networks' => { 'default' => { 'ip' => '10.0.0.10', 'default' => %w[dns gateway] } },
}.freeze

job_spec_path, template_path = ARGV
abort 'usage: ruby render.rb <job spec> <template> < {"properties":{},"spec":{}}' unless job_spec_path && template_path

begin
  input = JSON.parse($stdin.read)
  declared = (YAML.safe_load(File.read(job_spec_path)) || {})['properties'] || {}
  context = EvaluationContext.new(declared, input['properties'] || {}, DEFAULT_SPEC.merge(input['spec'] || {}),
                                  ignore_undeclared: input['undeclared'] == 'ignore')
  template = ERB.new(File.read(template_path), trim_mode: '-')
  template.filename = template_path
  $stdout.write(template.result(context.get_binding))
rescue StandardError, ScriptError => e
  # As the director reports it: the error, and the template line it came from.
  where = e.backtrace&.find { |line| line.start_with?(template_path) }
  warn "#{File.basename(template_path)}: #{e.class}: #{e.message}#{where ? " (#{where})" : ''}"
  exit 1
end
