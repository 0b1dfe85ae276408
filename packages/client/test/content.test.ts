import { describe, expect, it } from 'vitest';
import { tagsFromText } from '../src/index.js';

describe('tagsFromText', () => {
  it('reads tags as people type them: spaces, commas, a leading #, any case, each once', () => {
    expect(tagsFromText(['juji', 'governance'])).toEqual(['juji', 'governance']);
    expect(tagsFromText(['juji,governance', ' #Ops ,, '])).toEqual(['juji', 'governance', 'ops']);
    expect(tagsFromText(['JUJI juji', 'c#', 'c++'])).toEqual(['juji', 'c#', 'c++']);
    expect(tagsFromText([])).toEqual([]);
    expect(tagsFromText([' , '])).toEqual([]);
  });
});
