import {
  chooseTestStack,
  containerSpecs,
  containerStackEnv,
  containerStackOptions,
  TestStackError,
} from '@platform/testing';

describe('the test stack choice (TEST_STACK)', () => {
  const engine = (answers: boolean) => () => answers;

  it('takes TEST_STACK when it is given, whatever else is set', () => {
    expect(chooseTestStack({ TEST_STACK: 'containers', DATABASE_URL: 'postgres://x' }, engine(false))).toBe(
      'containers',
    );
    expect(chooseTestStack({ TEST_STACK: 'local' }, engine(true))).toBe('local');
  });

  it('uses containers unset only when an engine answers and no address is given', () => {
    expect(chooseTestStack({}, engine(true))).toBe('containers');
    expect(chooseTestStack({}, engine(false))).toBe('local');
    expect(chooseTestStack({ KAFKA_BROKERS: '127.0.0.1:27092' }, engine(true))).toBe('local');
  });

  it('refuses another value, naming it', () => {
    expect(() => chooseTestStack({ TEST_STACK: 'docker' }, engine(true))).toThrow(TestStackError);
    expect(() => chooseTestStack({ TEST_STACK: 'docker' }, engine(true))).toThrow('"docker"');
  });
});

describe('the containers and the addresses handed to the suites', () => {
  it('defaults to the official images and configures them on their own ports', () => {
    const options = containerStackOptions({});
    expect([options.postgresImage, options.kafkaImage, options.registryImage]).toEqual([
      'postgres:17',
      'apache/kafka:4.4.0',
      'apicurio/apicurio-registry:3.0.9',
    ]);
    const [postgres, kafka, registry] = containerSpecs(options);
    expect(postgres!.command.slice(0, 2)).toEqual(['-p', '35432']);
    expect(kafka!.env.KAFKA_ADVERTISED_LISTENERS).toBe('PLAINTEXT://127.0.0.1:39092');
    expect(kafka!.env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@127.0.0.1:39093');
    expect(registry!.env.QUARKUS_HTTP_PORT).toBe('38081');
    expect(containerStackEnv(options)).toEqual({
      DATABASE_URL: 'postgres://platform:platform@127.0.0.1:35432/platform',
      KAFKA_BROKERS: '127.0.0.1:39092',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:38081/apis/ccompat/v7',
    });
  });

  it('takes other images and ports from the environment, and refuses a port that is not one', () => {
    const options = containerStackOptions({
      TEST_STACK_KAFKA_IMAGE: 'local/kafka:4',
      TEST_STACK_KAFKA_PORT: '40092',
    });
    expect(options.kafkaImage).toBe('local/kafka:4');
    expect(containerStackEnv(options).KAFKA_BROKERS).toBe('127.0.0.1:40092');
    expect(() => containerStackOptions({ TEST_STACK_POSTGRES_PORT: '70000' })).toThrow(
      'TEST_STACK_POSTGRES_PORT',
    );
  });
});
