import { describe, it, expect } from 'vitest';
import { Sequential, layers, ops, tensor, ValueError } from '../src';
import { main } from '../src/cli/main';

describe('option errors name the type and suggest the nearest name', () => {
  const net = (): Sequential => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [2] })], { seed: 1 });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return m;
  };
  const x = tensor([[1, 2]]),
    y = tensor([[1]]);

  it('fit: a string where a number belongs is called a string', async () => {
    await expect(net().fit(x, y, { epochs: '2' as never, verbose: 0 })).rejects.toThrow(
      new ValueError('fit: epochs must be a positive integer, got "2" (a string)'),
    );
    await expect(net().fit(x, y, { batchSize: [4] as never, verbose: 0 })).rejects.toThrow(
      /batchSize must be a positive integer, got \[4\] \(an array\)/,
    );
    await expect(net().fit(x, y, { epochs: 1.5, verbose: 0 })).rejects.toThrow(
      /epochs must be a positive integer, got 1\.5$/,
    );
  });

  it('layers and ops: the type of a bad value, "did you mean" for a mistyped option', () => {
    expect(() => layers.dense({ units: '8' as never })).toThrow(
      'dense: units must be a positive integer, got "8" (a string)',
    );
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, paddding: 'same' } as never)).toThrow(
      /conv2d: unknown option 'paddding' \(did you mean 'padding'\?\)/,
    );
    expect(() => ops.conv2d(tensor([1], [1, 1, 1, 1]), tensor([1], [1, 1, 1, 1]), { stride: 1 } as never)).toThrow(
      /unknown option 'stride' \(did you mean 'strides'\?\)/,
    );
    expect(() => ops.conv2d(tensor([1], [1, 1, 1, 1]), tensor([1], [1, 1, 1, 1]), { strides: true } as never)).toThrow(
      /got true \(a boolean\)/,
    );
    // nothing close: no suggestion
    expect(() => layers.dense({ units: 1, zzz: 1 } as never)).toThrow(/unknown option 'zzz' \(valid options/);
  });

  it('fit and compile suggest the option meant', async () => {
    await expect(net().fit(x, y, { epoch: 2 } as never)).rejects.toThrow(
      /fit: unknown option 'epoch' \(did you mean 'epochs'\?\)/,
    );
    expect(() => net().compile({ optimizer: 'sgd', loss: 'meanSquaredError', metric: ['accuracy'] } as never)).toThrow(
      /did you mean 'metrics'\?/,
    );
  });

  it('the command line suggests flags and commands', async () => {
    const run = async (argv: string[]) => {
      let out = '',
        err = '';
      const code = await main(argv, {
        stdout: (s) => {
          out += s;
        },
        stderr: (s) => {
          err += s;
        },
      });
      return { code, out, err };
    };
    expect(await run(['edges', 'a.png', '--jsn'])).toMatchObject({
      code: 2,
      err: "convkit edges: Unknown option '--jsn' (did you mean '--json'?) (see convkit edges --help)\n",
    });
    expect((await run(['trian'])).err).toMatch(/^convkit: unknown command 'trian' \(did you mean 'train'\?\)/);
    expect((await run(['edges', '--zzzz'])).err).not.toMatch(/did you mean/);
  });
});
