import * as $protobuf from "protobufjs";
import Long = require("long");

export namespace tensorflow {

    interface IAttrValue extends tensorflow.AttrValue.$Properties {
    }

    class AttrValue {
        constructor(properties?: tensorflow.AttrValue.$Properties);
        $unknowns?: Uint8Array[];
        s?: (Uint8Array|null);
        i?: (number|null);
        f?: (number|null);
        b?: (boolean|null);
        type?: (tensorflow.DataType|null);
        shape?: (tensorflow.TensorShapeProto.$Properties|null);
        tensor?: (tensorflow.TensorProto.$Properties|null);
        list?: (tensorflow.AttrValue.ListValue.$Properties|null);
        func?: (tensorflow.NameAttrList.$Properties|null);
        placeholder?: (string|null);
        value?: ("s"|"i"|"f"|"b"|"type"|"shape"|"tensor"|"list"|"func"|"placeholder");
        static create(properties: tensorflow.AttrValue.$Shape): tensorflow.AttrValue & tensorflow.AttrValue.$Shape;
        static create(properties?: tensorflow.AttrValue.$Properties): tensorflow.AttrValue;
        static encode(message: tensorflow.AttrValue.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.AttrValue & tensorflow.AttrValue.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.AttrValue;
        static toObject(message: tensorflow.AttrValue, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AttrValue {
        interface $Properties {
            s?: (Uint8Array|null);
            i?: (number|null);
            f?: (number|null);
            b?: (boolean|null);
            type?: (tensorflow.DataType|null);
            shape?: (tensorflow.TensorShapeProto.$Properties|null);
            tensor?: (tensorflow.TensorProto.$Properties|null);
            list?: (tensorflow.AttrValue.ListValue.$Properties|null);
            func?: (tensorflow.NameAttrList.$Properties|null);
            placeholder?: (string|null);
            value?: ("s"|"i"|"f"|"b"|"type"|"shape"|"tensor"|"list"|"func"|"placeholder");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          s?: Uint8Array|null;
          i?: number|null;
          f?: number|null;
          b?: boolean|null;
          type?: tensorflow.DataType|null;
          shape?: tensorflow.TensorShapeProto.$Shape|null;
          tensor?: tensorflow.TensorProto.$Shape|null;
          list?: tensorflow.AttrValue.ListValue.$Shape|null;
          func?: tensorflow.NameAttrList.$Shape|null;
          placeholder?: string|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ value?: undefined; s?: null; i?: null; f?: null; b?: null; type?: null; shape?: null; tensor?: null; list?: null; func?: null; placeholder?: null }|{ value?: "s"; s: Uint8Array; i?: null; f?: null; b?: null; type?: null; shape?: null; tensor?: null; list?: null; func?: null; placeholder?: null }|{ value?: "i"; s?: null; i: number; f?: null; b?: null; type?: null; shape?: null; tensor?: null; list?: null; func?: null; placeholder?: null }|{ value?: "f"; s?: null; i?: null; f: number; b?: null; type?: null; shape?: null; tensor?: null; list?: null; func?: null; placeholder?: null }|{ value?: "b"; s?: null; i?: null; f?: null; b: boolean; type?: null; shape?: null; tensor?: null; list?: null; func?: null; placeholder?: null }|{ value?: "type"; s?: null; i?: null; f?: null; b?: null; type: tensorflow.DataType; shape?: null; tensor?: null; list?: null; func?: null; placeholder?: null }|{ value?: "shape"; s?: null; i?: null; f?: null; b?: null; type?: null; shape: tensorflow.TensorShapeProto.$Shape; tensor?: null; list?: null; func?: null; placeholder?: null }|{ value?: "tensor"; s?: null; i?: null; f?: null; b?: null; type?: null; shape?: null; tensor: tensorflow.TensorProto.$Shape; list?: null; func?: null; placeholder?: null }|{ value?: "list"; s?: null; i?: null; f?: null; b?: null; type?: null; shape?: null; tensor?: null; list: tensorflow.AttrValue.ListValue.$Shape; func?: null; placeholder?: null }|{ value?: "func"; s?: null; i?: null; f?: null; b?: null; type?: null; shape?: null; tensor?: null; list?: null; func: tensorflow.NameAttrList.$Shape; placeholder?: null }|{ value?: "placeholder"; s?: null; i?: null; f?: null; b?: null; type?: null; shape?: null; tensor?: null; list?: null; func?: null; placeholder: string })
        );

        interface IListValue extends tensorflow.AttrValue.ListValue.$Properties {
        }

        class ListValue {
            constructor(properties?: tensorflow.AttrValue.ListValue.$Properties);
            $unknowns?: Uint8Array[];
            s: Uint8Array[];
            i: number[];
            f: number[];
            b: boolean[];
            type: tensorflow.DataType[];
            shape: tensorflow.TensorShapeProto.$Properties[];
            tensor: tensorflow.TensorProto.$Properties[];
            func: tensorflow.NameAttrList.$Properties[];
            static create(properties: tensorflow.AttrValue.ListValue.$Shape): tensorflow.AttrValue.ListValue & tensorflow.AttrValue.ListValue.$Shape;
            static create(properties?: tensorflow.AttrValue.ListValue.$Properties): tensorflow.AttrValue.ListValue;
            static encode(message: tensorflow.AttrValue.ListValue.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.AttrValue.ListValue & tensorflow.AttrValue.ListValue.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.AttrValue.ListValue;
            static toObject(message: tensorflow.AttrValue.ListValue, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace ListValue {
            interface $Properties {
                s?: (Uint8Array[]|null);
                i?: (number[]|null);
                f?: (number[]|null);
                b?: (boolean[]|null);
                type?: (tensorflow.DataType[]|null);
                shape?: (tensorflow.TensorShapeProto.$Properties[]|null);
                tensor?: (tensorflow.TensorProto.$Properties[]|null);
                func?: (tensorflow.NameAttrList.$Properties[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              s?: Uint8Array[]|null;
              i?: number[]|null;
              f?: number[]|null;
              b?: boolean[]|null;
              type?: tensorflow.DataType[]|null;
              shape?: tensorflow.TensorShapeProto.$Shape[]|null;
              tensor?: tensorflow.TensorProto.$Shape[]|null;
              func?: tensorflow.NameAttrList.$Shape[]|null;
              $unknowns?: Uint8Array[];
            };
        }
    }

    interface INameAttrList extends tensorflow.NameAttrList.$Properties {
    }

    class NameAttrList {
        constructor(properties?: tensorflow.NameAttrList.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        attr: { [k: string]: tensorflow.AttrValue.$Properties };
        static create(properties: tensorflow.NameAttrList.$Shape): tensorflow.NameAttrList & tensorflow.NameAttrList.$Shape;
        static create(properties?: tensorflow.NameAttrList.$Properties): tensorflow.NameAttrList;
        static encode(message: tensorflow.NameAttrList.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.NameAttrList & tensorflow.NameAttrList.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.NameAttrList;
        static toObject(message: tensorflow.NameAttrList, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace NameAttrList {
        interface $Properties {
            name?: (string|null);
            attr?: ({ [k: string]: tensorflow.AttrValue.$Properties }|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          name?: string|null;
          attr?: { [k: string]: tensorflow.AttrValue.$Shape }|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface ITensorProto extends tensorflow.TensorProto.$Properties {
    }

    class TensorProto {
        constructor(properties?: tensorflow.TensorProto.$Properties);
        $unknowns?: Uint8Array[];
        dtype: tensorflow.DataType;
        tensor_shape?: (tensorflow.TensorShapeProto.$Properties|null);
        version_number: number;
        tensor_content: Uint8Array;
        half_val: number[];
        float_val: number[];
        double_val: number[];
        int_val: number[];
        string_val: Uint8Array[];
        scomplex_val: number[];
        int64_val: number[];
        bool_val: boolean[];
        dcomplex_val: number[];
        resource_handle_val: tensorflow.ResourceHandleProto.$Properties[];
        variant_val: tensorflow.VariantTensorDataProto.$Properties[];
        uint32_val: number[];
        uint64_val: number[];
        float8_val: Uint8Array;
        static create(properties: tensorflow.TensorProto.$Shape): tensorflow.TensorProto & tensorflow.TensorProto.$Shape;
        static create(properties?: tensorflow.TensorProto.$Properties): tensorflow.TensorProto;
        static encode(message: tensorflow.TensorProto.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.TensorProto & tensorflow.TensorProto.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.TensorProto;
        static toObject(message: tensorflow.TensorProto, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace TensorProto {
        interface $Properties {
            dtype?: (tensorflow.DataType|null);
            tensor_shape?: (tensorflow.TensorShapeProto.$Properties|null);
            version_number?: (number|null);
            tensor_content?: (Uint8Array|null);
            half_val?: (number[]|null);
            float_val?: (number[]|null);
            double_val?: (number[]|null);
            int_val?: (number[]|null);
            string_val?: (Uint8Array[]|null);
            scomplex_val?: (number[]|null);
            int64_val?: (number[]|null);
            bool_val?: (boolean[]|null);
            dcomplex_val?: (number[]|null);
            resource_handle_val?: (tensorflow.ResourceHandleProto.$Properties[]|null);
            variant_val?: (tensorflow.VariantTensorDataProto.$Properties[]|null);
            uint32_val?: (number[]|null);
            uint64_val?: (number[]|null);
            float8_val?: (Uint8Array|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.TensorProto.$Properties;
    }

    interface IVariantTensorDataProto extends tensorflow.VariantTensorDataProto.$Properties {
    }

    class VariantTensorDataProto {
        constructor(properties?: tensorflow.VariantTensorDataProto.$Properties);
        $unknowns?: Uint8Array[];
        type_name: string;
        metadata: Uint8Array;
        tensors: tensorflow.TensorProto.$Properties[];
        static create(properties: tensorflow.VariantTensorDataProto.$Shape): tensorflow.VariantTensorDataProto & tensorflow.VariantTensorDataProto.$Shape;
        static create(properties?: tensorflow.VariantTensorDataProto.$Properties): tensorflow.VariantTensorDataProto;
        static encode(message: tensorflow.VariantTensorDataProto.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.VariantTensorDataProto & tensorflow.VariantTensorDataProto.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.VariantTensorDataProto;
        static toObject(message: tensorflow.VariantTensorDataProto, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace VariantTensorDataProto {
        interface $Properties {
            type_name?: (string|null);
            metadata?: (Uint8Array|null);
            tensors?: (tensorflow.TensorProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.VariantTensorDataProto.$Properties;
    }

    interface IResourceHandleProto extends tensorflow.ResourceHandleProto.$Properties {
    }

    class ResourceHandleProto {
        constructor(properties?: tensorflow.ResourceHandleProto.$Properties);
        $unknowns?: Uint8Array[];
        device: string;
        container: string;
        name: string;
        hash_code: number;
        maybe_type_name: string;
        dtypes_and_shapes: tensorflow.ResourceHandleProto.DtypeAndShape.$Properties[];
        static create(properties: tensorflow.ResourceHandleProto.$Shape): tensorflow.ResourceHandleProto & tensorflow.ResourceHandleProto.$Shape;
        static create(properties?: tensorflow.ResourceHandleProto.$Properties): tensorflow.ResourceHandleProto;
        static encode(message: tensorflow.ResourceHandleProto.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.ResourceHandleProto & tensorflow.ResourceHandleProto.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.ResourceHandleProto;
        static toObject(message: tensorflow.ResourceHandleProto, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace ResourceHandleProto {
        interface $Properties {
            device?: (string|null);
            container?: (string|null);
            name?: (string|null);
            hash_code?: (number|null);
            maybe_type_name?: (string|null);
            dtypes_and_shapes?: (tensorflow.ResourceHandleProto.DtypeAndShape.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.ResourceHandleProto.$Properties;

        interface IDtypeAndShape extends tensorflow.ResourceHandleProto.DtypeAndShape.$Properties {
        }

        class DtypeAndShape {
            constructor(properties?: tensorflow.ResourceHandleProto.DtypeAndShape.$Properties);
            $unknowns?: Uint8Array[];
            dtype: tensorflow.DataType;
            shape?: (tensorflow.TensorShapeProto.$Properties|null);
            static create(properties: tensorflow.ResourceHandleProto.DtypeAndShape.$Shape): tensorflow.ResourceHandleProto.DtypeAndShape & tensorflow.ResourceHandleProto.DtypeAndShape.$Shape;
            static create(properties?: tensorflow.ResourceHandleProto.DtypeAndShape.$Properties): tensorflow.ResourceHandleProto.DtypeAndShape;
            static encode(message: tensorflow.ResourceHandleProto.DtypeAndShape.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.ResourceHandleProto.DtypeAndShape & tensorflow.ResourceHandleProto.DtypeAndShape.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.ResourceHandleProto.DtypeAndShape;
            static toObject(message: tensorflow.ResourceHandleProto.DtypeAndShape, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace DtypeAndShape {
            interface $Properties {
                dtype?: (tensorflow.DataType|null);
                shape?: (tensorflow.TensorShapeProto.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.ResourceHandleProto.DtypeAndShape.$Properties;
        }
    }

    interface ITensorShapeProto extends tensorflow.TensorShapeProto.$Properties {
    }

    class TensorShapeProto {
        constructor(properties?: tensorflow.TensorShapeProto.$Properties);
        $unknowns?: Uint8Array[];
        dim: tensorflow.TensorShapeProto.Dim.$Properties[];
        unknown_rank: boolean;
        static create(properties: tensorflow.TensorShapeProto.$Shape): tensorflow.TensorShapeProto & tensorflow.TensorShapeProto.$Shape;
        static create(properties?: tensorflow.TensorShapeProto.$Properties): tensorflow.TensorShapeProto;
        static encode(message: tensorflow.TensorShapeProto.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.TensorShapeProto & tensorflow.TensorShapeProto.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.TensorShapeProto;
        static toObject(message: tensorflow.TensorShapeProto, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace TensorShapeProto {
        interface $Properties {
            dim?: (tensorflow.TensorShapeProto.Dim.$Properties[]|null);
            unknown_rank?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.TensorShapeProto.$Properties;

        interface IDim extends tensorflow.TensorShapeProto.Dim.$Properties {
        }

        class Dim {
            constructor(properties?: tensorflow.TensorShapeProto.Dim.$Properties);
            $unknowns?: Uint8Array[];
            size: number;
            name: string;
            static create(properties: tensorflow.TensorShapeProto.Dim.$Shape): tensorflow.TensorShapeProto.Dim & tensorflow.TensorShapeProto.Dim.$Shape;
            static create(properties?: tensorflow.TensorShapeProto.Dim.$Properties): tensorflow.TensorShapeProto.Dim;
            static encode(message: tensorflow.TensorShapeProto.Dim.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.TensorShapeProto.Dim & tensorflow.TensorShapeProto.Dim.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.TensorShapeProto.Dim;
            static toObject(message: tensorflow.TensorShapeProto.Dim, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Dim {
            interface $Properties {
                size?: (number|null);
                name?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.TensorShapeProto.Dim.$Properties;
        }
    }

    enum DataType {
        DT_INVALID = 0,
        DT_FLOAT = 1,
        DT_DOUBLE = 2,
        DT_INT32 = 3,
        DT_UINT8 = 4,
        DT_INT16 = 5,
        DT_INT8 = 6,
        DT_STRING = 7,
        DT_COMPLEX64 = 8,
        DT_INT64 = 9,
        DT_BOOL = 10,
        DT_QINT8 = 11,
        DT_QUINT8 = 12,
        DT_QINT32 = 13,
        DT_BFLOAT16 = 14,
        DT_QINT16 = 15,
        DT_QUINT16 = 16,
        DT_UINT16 = 17,
        DT_COMPLEX128 = 18,
        DT_HALF = 19,
        DT_RESOURCE = 20,
        DT_VARIANT = 21,
        DT_UINT32 = 22,
        DT_UINT64 = 23,
        DT_FLOAT8_E5M2 = 24,
        DT_FLOAT8_E4M3FN = 25,
        DT_INT4 = 29,
        DT_UINT4 = 30,
        DT_FLOAT_REF = 101,
        DT_DOUBLE_REF = 102,
        DT_INT32_REF = 103,
        DT_UINT8_REF = 104,
        DT_INT16_REF = 105,
        DT_INT8_REF = 106,
        DT_STRING_REF = 107,
        DT_COMPLEX64_REF = 108,
        DT_INT64_REF = 109,
        DT_BOOL_REF = 110,
        DT_QINT8_REF = 111,
        DT_QUINT8_REF = 112,
        DT_QINT32_REF = 113,
        DT_BFLOAT16_REF = 114,
        DT_QINT16_REF = 115,
        DT_QUINT16_REF = 116,
        DT_UINT16_REF = 117,
        DT_COMPLEX128_REF = 118,
        DT_HALF_REF = 119,
        DT_RESOURCE_REF = 120,
        DT_VARIANT_REF = 121,
        DT_UINT32_REF = 122,
        DT_UINT64_REF = 123,
        DT_FLOAT8_E5M2_REF = 124,
        DT_FLOAT8_E4M3FN_REF = 125,
        DT_INT4_REF = 129,
        DT_UINT4_REF = 130
    }

    interface ICheckpointState extends tensorflow.CheckpointState.$Properties {
    }

    class CheckpointState {
        constructor(properties?: tensorflow.CheckpointState.$Properties);
        $unknowns?: Uint8Array[];
        model_checkpoint_path: string;
        all_model_checkpoint_paths: string[];
        all_model_checkpoint_timestamps: number[];
        last_preserved_timestamp: number;
        static create(properties: tensorflow.CheckpointState.$Shape): tensorflow.CheckpointState & tensorflow.CheckpointState.$Shape;
        static create(properties?: tensorflow.CheckpointState.$Properties): tensorflow.CheckpointState;
        static encode(message: tensorflow.CheckpointState.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.CheckpointState & tensorflow.CheckpointState.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.CheckpointState;
        static toObject(message: tensorflow.CheckpointState, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace CheckpointState {
        interface $Properties {
            model_checkpoint_path?: (string|null);
            all_model_checkpoint_paths?: (string[]|null);
            all_model_checkpoint_timestamps?: (number[]|null);
            last_preserved_timestamp?: (number|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.CheckpointState.$Properties;
    }

    interface IEvent extends tensorflow.Event.$Properties {
    }

    class Event {
        constructor(properties?: tensorflow.Event.$Properties);
        $unknowns?: Uint8Array[];
        wall_time: number;
        step: number;
        file_version?: (string|null);
        graph_def?: (Uint8Array|null);
        summary?: (tensorflow.Summary.$Properties|null);
        log_message?: (tensorflow.LogMessage.$Properties|null);
        session_log?: (tensorflow.SessionLog.$Properties|null);
        tagged_run_metadata?: (tensorflow.TaggedRunMetadata.$Properties|null);
        meta_graph_def?: (Uint8Array|null);
        source_metadata?: (tensorflow.SourceMetadata.$Properties|null);
        what?: ("file_version"|"graph_def"|"summary"|"log_message"|"session_log"|"tagged_run_metadata"|"meta_graph_def");
        static create(properties: tensorflow.Event.$Shape): tensorflow.Event & tensorflow.Event.$Shape;
        static create(properties?: tensorflow.Event.$Properties): tensorflow.Event;
        static encode(message: tensorflow.Event.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.Event & tensorflow.Event.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.Event;
        static toObject(message: tensorflow.Event, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace Event {
        interface $Properties {
            wall_time?: (number|null);
            step?: (number|null);
            file_version?: (string|null);
            graph_def?: (Uint8Array|null);
            summary?: (tensorflow.Summary.$Properties|null);
            log_message?: (tensorflow.LogMessage.$Properties|null);
            session_log?: (tensorflow.SessionLog.$Properties|null);
            tagged_run_metadata?: (tensorflow.TaggedRunMetadata.$Properties|null);
            meta_graph_def?: (Uint8Array|null);
            source_metadata?: (tensorflow.SourceMetadata.$Properties|null);
            what?: ("file_version"|"graph_def"|"summary"|"log_message"|"session_log"|"tagged_run_metadata"|"meta_graph_def");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          wall_time?: number|null;
          step?: number|null;
          file_version?: string|null;
          graph_def?: Uint8Array|null;
          summary?: tensorflow.Summary.$Shape|null;
          log_message?: tensorflow.LogMessage.$Shape|null;
          session_log?: tensorflow.SessionLog.$Shape|null;
          tagged_run_metadata?: tensorflow.TaggedRunMetadata.$Shape|null;
          meta_graph_def?: Uint8Array|null;
          source_metadata?: tensorflow.SourceMetadata.$Shape|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ what?: undefined; file_version?: null; graph_def?: null; summary?: null; log_message?: null; session_log?: null; tagged_run_metadata?: null; meta_graph_def?: null }|{ what?: "file_version"; file_version: string; graph_def?: null; summary?: null; log_message?: null; session_log?: null; tagged_run_metadata?: null; meta_graph_def?: null }|{ what?: "graph_def"; file_version?: null; graph_def: Uint8Array; summary?: null; log_message?: null; session_log?: null; tagged_run_metadata?: null; meta_graph_def?: null }|{ what?: "summary"; file_version?: null; graph_def?: null; summary: tensorflow.Summary.$Shape; log_message?: null; session_log?: null; tagged_run_metadata?: null; meta_graph_def?: null }|{ what?: "log_message"; file_version?: null; graph_def?: null; summary?: null; log_message: tensorflow.LogMessage.$Shape; session_log?: null; tagged_run_metadata?: null; meta_graph_def?: null }|{ what?: "session_log"; file_version?: null; graph_def?: null; summary?: null; log_message?: null; session_log: tensorflow.SessionLog.$Shape; tagged_run_metadata?: null; meta_graph_def?: null }|{ what?: "tagged_run_metadata"; file_version?: null; graph_def?: null; summary?: null; log_message?: null; session_log?: null; tagged_run_metadata: tensorflow.TaggedRunMetadata.$Shape; meta_graph_def?: null }|{ what?: "meta_graph_def"; file_version?: null; graph_def?: null; summary?: null; log_message?: null; session_log?: null; tagged_run_metadata?: null; meta_graph_def: Uint8Array })
        );
    }

    interface ISourceMetadata extends tensorflow.SourceMetadata.$Properties {
    }

    class SourceMetadata {
        constructor(properties?: tensorflow.SourceMetadata.$Properties);
        $unknowns?: Uint8Array[];
        writer: string;
        static create(properties: tensorflow.SourceMetadata.$Shape): tensorflow.SourceMetadata & tensorflow.SourceMetadata.$Shape;
        static create(properties?: tensorflow.SourceMetadata.$Properties): tensorflow.SourceMetadata;
        static encode(message: tensorflow.SourceMetadata.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.SourceMetadata & tensorflow.SourceMetadata.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.SourceMetadata;
        static toObject(message: tensorflow.SourceMetadata, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace SourceMetadata {
        interface $Properties {
            writer?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.SourceMetadata.$Properties;
    }

    interface ILogMessage extends tensorflow.LogMessage.$Properties {
    }

    class LogMessage {
        constructor(properties?: tensorflow.LogMessage.$Properties);
        $unknowns?: Uint8Array[];
        level: tensorflow.LogMessage.Level;
        message: string;
        static create(properties: tensorflow.LogMessage.$Shape): tensorflow.LogMessage & tensorflow.LogMessage.$Shape;
        static create(properties?: tensorflow.LogMessage.$Properties): tensorflow.LogMessage;
        static encode(message: tensorflow.LogMessage.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.LogMessage & tensorflow.LogMessage.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.LogMessage;
        static toObject(message: tensorflow.LogMessage, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace LogMessage {
        interface $Properties {
            level?: (tensorflow.LogMessage.Level|null);
            message?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.LogMessage.$Properties;

        enum Level {
            UNKNOWN = 0,
            DEBUGGING = 10,
            INFO = 20,
            WARN = 30,
            ERROR = 40,
            FATAL = 50
        }
    }

    interface ISessionLog extends tensorflow.SessionLog.$Properties {
    }

    class SessionLog {
        constructor(properties?: tensorflow.SessionLog.$Properties);
        $unknowns?: Uint8Array[];
        status: tensorflow.SessionLog.SessionStatus;
        checkpoint_path: string;
        msg: string;
        static create(properties: tensorflow.SessionLog.$Shape): tensorflow.SessionLog & tensorflow.SessionLog.$Shape;
        static create(properties?: tensorflow.SessionLog.$Properties): tensorflow.SessionLog;
        static encode(message: tensorflow.SessionLog.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.SessionLog & tensorflow.SessionLog.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.SessionLog;
        static toObject(message: tensorflow.SessionLog, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace SessionLog {
        interface $Properties {
            status?: (tensorflow.SessionLog.SessionStatus|null);
            checkpoint_path?: (string|null);
            msg?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.SessionLog.$Properties;

        enum SessionStatus {
            STATUS_UNSPECIFIED = 0,
            START = 1,
            STOP = 2,
            CHECKPOINT = 3
        }
    }

    interface ITaggedRunMetadata extends tensorflow.TaggedRunMetadata.$Properties {
    }

    class TaggedRunMetadata {
        constructor(properties?: tensorflow.TaggedRunMetadata.$Properties);
        $unknowns?: Uint8Array[];
        tag: string;
        run_metadata: Uint8Array;
        static create(properties: tensorflow.TaggedRunMetadata.$Shape): tensorflow.TaggedRunMetadata & tensorflow.TaggedRunMetadata.$Shape;
        static create(properties?: tensorflow.TaggedRunMetadata.$Properties): tensorflow.TaggedRunMetadata;
        static encode(message: tensorflow.TaggedRunMetadata.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.TaggedRunMetadata & tensorflow.TaggedRunMetadata.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.TaggedRunMetadata;
        static toObject(message: tensorflow.TaggedRunMetadata, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace TaggedRunMetadata {
        interface $Properties {
            tag?: (string|null);
            run_metadata?: (Uint8Array|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.TaggedRunMetadata.$Properties;
    }

    interface ISummaryDescription extends tensorflow.SummaryDescription.$Properties {
    }

    class SummaryDescription {
        constructor(properties?: tensorflow.SummaryDescription.$Properties);
        $unknowns?: Uint8Array[];
        type_hint: string;
        static create(properties: tensorflow.SummaryDescription.$Shape): tensorflow.SummaryDescription & tensorflow.SummaryDescription.$Shape;
        static create(properties?: tensorflow.SummaryDescription.$Properties): tensorflow.SummaryDescription;
        static encode(message: tensorflow.SummaryDescription.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.SummaryDescription & tensorflow.SummaryDescription.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.SummaryDescription;
        static toObject(message: tensorflow.SummaryDescription, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace SummaryDescription {
        interface $Properties {
            type_hint?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.SummaryDescription.$Properties;
    }

    interface IHistogramProto extends tensorflow.HistogramProto.$Properties {
    }

    class HistogramProto {
        constructor(properties?: tensorflow.HistogramProto.$Properties);
        $unknowns?: Uint8Array[];
        min: number;
        max: number;
        num: number;
        sum: number;
        sum_squares: number;
        bucket_limit: number[];
        bucket: number[];
        static create(properties: tensorflow.HistogramProto.$Shape): tensorflow.HistogramProto & tensorflow.HistogramProto.$Shape;
        static create(properties?: tensorflow.HistogramProto.$Properties): tensorflow.HistogramProto;
        static encode(message: tensorflow.HistogramProto.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.HistogramProto & tensorflow.HistogramProto.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.HistogramProto;
        static toObject(message: tensorflow.HistogramProto, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace HistogramProto {
        interface $Properties {
            min?: (number|null);
            max?: (number|null);
            num?: (number|null);
            sum?: (number|null);
            sum_squares?: (number|null);
            bucket_limit?: (number[]|null);
            bucket?: (number[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.HistogramProto.$Properties;
    }

    enum DataClass {
        DATA_CLASS_UNKNOWN = 0,
        DATA_CLASS_SCALAR = 1,
        DATA_CLASS_TENSOR = 2,
        DATA_CLASS_BLOB_SEQUENCE = 3
    }

    interface ISummaryMetadata extends tensorflow.SummaryMetadata.$Properties {
    }

    class SummaryMetadata {
        constructor(properties?: tensorflow.SummaryMetadata.$Properties);
        $unknowns?: Uint8Array[];
        plugin_data?: (tensorflow.SummaryMetadata.PluginData.$Properties|null);
        display_name: string;
        summary_description: string;
        data_class: tensorflow.DataClass;
        static create(properties: tensorflow.SummaryMetadata.$Shape): tensorflow.SummaryMetadata & tensorflow.SummaryMetadata.$Shape;
        static create(properties?: tensorflow.SummaryMetadata.$Properties): tensorflow.SummaryMetadata;
        static encode(message: tensorflow.SummaryMetadata.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.SummaryMetadata & tensorflow.SummaryMetadata.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.SummaryMetadata;
        static toObject(message: tensorflow.SummaryMetadata, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace SummaryMetadata {
        interface $Properties {
            plugin_data?: (tensorflow.SummaryMetadata.PluginData.$Properties|null);
            display_name?: (string|null);
            summary_description?: (string|null);
            data_class?: (tensorflow.DataClass|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.SummaryMetadata.$Properties;

        interface IPluginData extends tensorflow.SummaryMetadata.PluginData.$Properties {
        }

        class PluginData {
            constructor(properties?: tensorflow.SummaryMetadata.PluginData.$Properties);
            $unknowns?: Uint8Array[];
            plugin_name: string;
            content: Uint8Array;
            static create(properties: tensorflow.SummaryMetadata.PluginData.$Shape): tensorflow.SummaryMetadata.PluginData & tensorflow.SummaryMetadata.PluginData.$Shape;
            static create(properties?: tensorflow.SummaryMetadata.PluginData.$Properties): tensorflow.SummaryMetadata.PluginData;
            static encode(message: tensorflow.SummaryMetadata.PluginData.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.SummaryMetadata.PluginData & tensorflow.SummaryMetadata.PluginData.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.SummaryMetadata.PluginData;
            static toObject(message: tensorflow.SummaryMetadata.PluginData, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace PluginData {
            interface $Properties {
                plugin_name?: (string|null);
                content?: (Uint8Array|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.SummaryMetadata.PluginData.$Properties;
        }
    }

    interface ISummary extends tensorflow.Summary.$Properties {
    }

    class Summary {
        constructor(properties?: tensorflow.Summary.$Properties);
        $unknowns?: Uint8Array[];
        value: tensorflow.Summary.Value.$Properties[];
        static create(properties: tensorflow.Summary.$Shape): tensorflow.Summary & tensorflow.Summary.$Shape;
        static create(properties?: tensorflow.Summary.$Properties): tensorflow.Summary;
        static encode(message: tensorflow.Summary.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.Summary & tensorflow.Summary.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.Summary;
        static toObject(message: tensorflow.Summary, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace Summary {
        interface $Properties {
            value?: (tensorflow.Summary.Value.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          value?: tensorflow.Summary.Value.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };

        interface IImage extends tensorflow.Summary.Image.$Properties {
        }

        class Image {
            constructor(properties?: tensorflow.Summary.Image.$Properties);
            $unknowns?: Uint8Array[];
            height: number;
            width: number;
            colorspace: number;
            encoded_image_string: Uint8Array;
            static create(properties: tensorflow.Summary.Image.$Shape): tensorflow.Summary.Image & tensorflow.Summary.Image.$Shape;
            static create(properties?: tensorflow.Summary.Image.$Properties): tensorflow.Summary.Image;
            static encode(message: tensorflow.Summary.Image.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.Summary.Image & tensorflow.Summary.Image.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.Summary.Image;
            static toObject(message: tensorflow.Summary.Image, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Image {
            interface $Properties {
                height?: (number|null);
                width?: (number|null);
                colorspace?: (number|null);
                encoded_image_string?: (Uint8Array|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.Summary.Image.$Properties;
        }

        interface IAudio extends tensorflow.Summary.Audio.$Properties {
        }

        class Audio {
            constructor(properties?: tensorflow.Summary.Audio.$Properties);
            $unknowns?: Uint8Array[];
            sample_rate: number;
            num_channels: number;
            length_frames: number;
            encoded_audio_string: Uint8Array;
            content_type: string;
            static create(properties: tensorflow.Summary.Audio.$Shape): tensorflow.Summary.Audio & tensorflow.Summary.Audio.$Shape;
            static create(properties?: tensorflow.Summary.Audio.$Properties): tensorflow.Summary.Audio;
            static encode(message: tensorflow.Summary.Audio.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.Summary.Audio & tensorflow.Summary.Audio.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.Summary.Audio;
            static toObject(message: tensorflow.Summary.Audio, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Audio {
            interface $Properties {
                sample_rate?: (number|null);
                num_channels?: (number|null);
                length_frames?: (number|null);
                encoded_audio_string?: (Uint8Array|null);
                content_type?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.Summary.Audio.$Properties;
        }

        interface IValue extends tensorflow.Summary.Value.$Properties {
        }

        class Value {
            constructor(properties?: tensorflow.Summary.Value.$Properties);
            $unknowns?: Uint8Array[];
            node_name: string;
            tag: string;
            metadata?: (tensorflow.SummaryMetadata.$Properties|null);
            simple_value?: (number|null);
            obsolete_old_style_histogram?: (Uint8Array|null);
            image?: (tensorflow.Summary.Image.$Properties|null);
            histo?: (tensorflow.HistogramProto.$Properties|null);
            audio?: (tensorflow.Summary.Audio.$Properties|null);
            tensor?: (tensorflow.TensorProto.$Properties|null);
            value?: ("simple_value"|"obsolete_old_style_histogram"|"image"|"histo"|"audio"|"tensor");
            static create(properties: tensorflow.Summary.Value.$Shape): tensorflow.Summary.Value & tensorflow.Summary.Value.$Shape;
            static create(properties?: tensorflow.Summary.Value.$Properties): tensorflow.Summary.Value;
            static encode(message: tensorflow.Summary.Value.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.Summary.Value & tensorflow.Summary.Value.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.Summary.Value;
            static toObject(message: tensorflow.Summary.Value, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Value {
            interface $Properties {
                node_name?: (string|null);
                tag?: (string|null);
                metadata?: (tensorflow.SummaryMetadata.$Properties|null);
                simple_value?: (number|null);
                obsolete_old_style_histogram?: (Uint8Array|null);
                image?: (tensorflow.Summary.Image.$Properties|null);
                histo?: (tensorflow.HistogramProto.$Properties|null);
                audio?: (tensorflow.Summary.Audio.$Properties|null);
                tensor?: (tensorflow.TensorProto.$Properties|null);
                value?: ("simple_value"|"obsolete_old_style_histogram"|"image"|"histo"|"audio"|"tensor");
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              node_name?: string|null;
              tag?: string|null;
              metadata?: tensorflow.SummaryMetadata.$Shape|null;
              simple_value?: number|null;
              obsolete_old_style_histogram?: Uint8Array|null;
              image?: tensorflow.Summary.Image.$Shape|null;
              histo?: tensorflow.HistogramProto.$Shape|null;
              audio?: tensorflow.Summary.Audio.$Shape|null;
              tensor?: tensorflow.TensorProto.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ value?: undefined; simple_value?: null; obsolete_old_style_histogram?: null; image?: null; histo?: null; audio?: null; tensor?: null }|{ value?: "simple_value"; simple_value: number; obsolete_old_style_histogram?: null; image?: null; histo?: null; audio?: null; tensor?: null }|{ value?: "obsolete_old_style_histogram"; simple_value?: null; obsolete_old_style_histogram: Uint8Array; image?: null; histo?: null; audio?: null; tensor?: null }|{ value?: "image"; simple_value?: null; obsolete_old_style_histogram?: null; image: tensorflow.Summary.Image.$Shape; histo?: null; audio?: null; tensor?: null }|{ value?: "histo"; simple_value?: null; obsolete_old_style_histogram?: null; image?: null; histo: tensorflow.HistogramProto.$Shape; audio?: null; tensor?: null }|{ value?: "audio"; simple_value?: null; obsolete_old_style_histogram?: null; image?: null; histo?: null; audio: tensorflow.Summary.Audio.$Shape; tensor?: null }|{ value?: "tensor"; simple_value?: null; obsolete_old_style_histogram?: null; image?: null; histo?: null; audio?: null; tensor: tensorflow.TensorProto.$Shape })
            );
        }
    }

    enum FullTypeId {
        TFT_UNSET = 0,
        TFT_VAR = 1,
        TFT_ANY = 2,
        TFT_PRODUCT = 3,
        TFT_NAMED = 4,
        TFT_FOR_EACH = 20,
        TFT_CALLABLE = 100,
        TFT_TENSOR = 1000,
        TFT_ARRAY = 1001,
        TFT_OPTIONAL = 1002,
        TFT_LITERAL = 1003,
        TFT_ENCODED = 1004,
        TFT_SHAPE_TENSOR = 1005,
        TFT_BOOL = 200,
        TFT_UINT8 = 201,
        TFT_UINT16 = 202,
        TFT_UINT32 = 203,
        TFT_UINT64 = 204,
        TFT_INT8 = 205,
        TFT_INT16 = 206,
        TFT_INT32 = 207,
        TFT_INT64 = 208,
        TFT_HALF = 209,
        TFT_FLOAT = 210,
        TFT_DOUBLE = 211,
        TFT_COMPLEX64 = 212,
        TFT_COMPLEX128 = 213,
        TFT_STRING = 214,
        TFT_BFLOAT16 = 215,
        TFT_DATASET = 10102,
        TFT_RAGGED = 10103,
        TFT_ITERATOR = 10104,
        TFT_MUTEX_LOCK = 10202,
        TFT_LEGACY_VARIANT = 10203
    }

    interface IFullTypeDef extends tensorflow.FullTypeDef.$Properties {
    }

    class FullTypeDef {
        constructor(properties?: tensorflow.FullTypeDef.$Properties);
        $unknowns?: Uint8Array[];
        type_id: tensorflow.FullTypeId;
        args: tensorflow.FullTypeDef.$Properties[];
        s?: (string|null);
        i?: (number|null);
        attr?: ("s"|"i");
        static create(properties: tensorflow.FullTypeDef.$Shape): tensorflow.FullTypeDef & tensorflow.FullTypeDef.$Shape;
        static create(properties?: tensorflow.FullTypeDef.$Properties): tensorflow.FullTypeDef;
        static encode(message: tensorflow.FullTypeDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.FullTypeDef & tensorflow.FullTypeDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.FullTypeDef;
        static toObject(message: tensorflow.FullTypeDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace FullTypeDef {
        interface $Properties {
            type_id?: (tensorflow.FullTypeId|null);
            args?: (tensorflow.FullTypeDef.$Properties[]|null);
            s?: (string|null);
            i?: (number|null);
            attr?: ("s"|"i");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          type_id?: tensorflow.FullTypeId|null;
          args?: tensorflow.FullTypeDef.$Shape[]|null;
          s?: string|null;
          i?: number|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ attr?: undefined; s?: null; i?: null }|{ attr?: "s"; s: string; i?: null }|{ attr?: "i"; s?: null; i: number })
        );
    }

    interface IFunctionDefLibrary extends tensorflow.FunctionDefLibrary.$Properties {
    }

    class FunctionDefLibrary {
        constructor(properties?: tensorflow.FunctionDefLibrary.$Properties);
        $unknowns?: Uint8Array[];
        function: tensorflow.FunctionDef.$Properties[];
        gradient: tensorflow.GradientDef.$Properties[];
        registered_gradients: tensorflow.RegisteredGradient.$Properties[];
        static create(properties: tensorflow.FunctionDefLibrary.$Shape): tensorflow.FunctionDefLibrary & tensorflow.FunctionDefLibrary.$Shape;
        static create(properties?: tensorflow.FunctionDefLibrary.$Properties): tensorflow.FunctionDefLibrary;
        static encode(message: tensorflow.FunctionDefLibrary.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.FunctionDefLibrary & tensorflow.FunctionDefLibrary.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.FunctionDefLibrary;
        static toObject(message: tensorflow.FunctionDefLibrary, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace FunctionDefLibrary {
        interface $Properties {
            "function"?: (tensorflow.FunctionDef.$Properties[]|null);
            gradient?: (tensorflow.GradientDef.$Properties[]|null);
            registered_gradients?: (tensorflow.RegisteredGradient.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          "Function"?: tensorflow.FunctionDef.$Shape[]|null;
          gradient?: tensorflow.GradientDef.$Shape[]|null;
          registered_gradients?: tensorflow.RegisteredGradient.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface IFunctionDef extends tensorflow.FunctionDef.$Properties {
    }

    class FunctionDef {
        constructor(properties?: tensorflow.FunctionDef.$Properties);
        $unknowns?: Uint8Array[];
        signature?: (tensorflow.OpDef.$Properties|null);
        attr: { [k: string]: tensorflow.AttrValue.$Properties };
        arg_attr: { [k: string]: tensorflow.FunctionDef.ArgAttrs.$Properties };
        resource_arg_unique_id: { [k: string]: number };
        node_def: tensorflow.NodeDef.$Properties[];
        ret: { [k: string]: string };
        control_ret: { [k: string]: string };
        static create(properties: tensorflow.FunctionDef.$Shape): tensorflow.FunctionDef & tensorflow.FunctionDef.$Shape;
        static create(properties?: tensorflow.FunctionDef.$Properties): tensorflow.FunctionDef;
        static encode(message: tensorflow.FunctionDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.FunctionDef & tensorflow.FunctionDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.FunctionDef;
        static toObject(message: tensorflow.FunctionDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace FunctionDef {
        interface $Properties {
            signature?: (tensorflow.OpDef.$Properties|null);
            attr?: ({ [k: string]: tensorflow.AttrValue.$Properties }|null);
            arg_attr?: ({ [k: string]: tensorflow.FunctionDef.ArgAttrs.$Properties }|null);
            resource_arg_unique_id?: ({ [k: string]: number }|null);
            node_def?: (tensorflow.NodeDef.$Properties[]|null);
            ret?: ({ [k: string]: string }|null);
            control_ret?: ({ [k: string]: string }|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          signature?: tensorflow.OpDef.$Shape|null;
          attr?: { [k: string]: tensorflow.AttrValue.$Shape }|null;
          arg_attr?: { [k: string]: tensorflow.FunctionDef.ArgAttrs.$Shape }|null;
          resource_arg_unique_id?: { [k: string]: number }|null;
          node_def?: tensorflow.NodeDef.$Shape[]|null;
          ret?: { [k: string]: string }|null;
          control_ret?: { [k: string]: string }|null;
          $unknowns?: Uint8Array[];
        };

        interface IArgAttrs extends tensorflow.FunctionDef.ArgAttrs.$Properties {
        }

        class ArgAttrs {
            constructor(properties?: tensorflow.FunctionDef.ArgAttrs.$Properties);
            $unknowns?: Uint8Array[];
            attr: { [k: string]: tensorflow.AttrValue.$Properties };
            static create(properties: tensorflow.FunctionDef.ArgAttrs.$Shape): tensorflow.FunctionDef.ArgAttrs & tensorflow.FunctionDef.ArgAttrs.$Shape;
            static create(properties?: tensorflow.FunctionDef.ArgAttrs.$Properties): tensorflow.FunctionDef.ArgAttrs;
            static encode(message: tensorflow.FunctionDef.ArgAttrs.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.FunctionDef.ArgAttrs & tensorflow.FunctionDef.ArgAttrs.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.FunctionDef.ArgAttrs;
            static toObject(message: tensorflow.FunctionDef.ArgAttrs, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace ArgAttrs {
            interface $Properties {
                attr?: ({ [k: string]: tensorflow.AttrValue.$Properties }|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              attr?: { [k: string]: tensorflow.AttrValue.$Shape }|null;
              $unknowns?: Uint8Array[];
            };
        }
    }

    interface IGradientDef extends tensorflow.GradientDef.$Properties {
    }

    class GradientDef {
        constructor(properties?: tensorflow.GradientDef.$Properties);
        $unknowns?: Uint8Array[];
        function_name: string;
        gradient_func: string;
        static create(properties: tensorflow.GradientDef.$Shape): tensorflow.GradientDef & tensorflow.GradientDef.$Shape;
        static create(properties?: tensorflow.GradientDef.$Properties): tensorflow.GradientDef;
        static encode(message: tensorflow.GradientDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.GradientDef & tensorflow.GradientDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.GradientDef;
        static toObject(message: tensorflow.GradientDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace GradientDef {
        interface $Properties {
            function_name?: (string|null);
            gradient_func?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.GradientDef.$Properties;
    }

    interface IRegisteredGradient extends tensorflow.RegisteredGradient.$Properties {
    }

    class RegisteredGradient {
        constructor(properties?: tensorflow.RegisteredGradient.$Properties);
        $unknowns?: Uint8Array[];
        gradient_func: string;
        registered_op_type: string;
        static create(properties: tensorflow.RegisteredGradient.$Shape): tensorflow.RegisteredGradient & tensorflow.RegisteredGradient.$Shape;
        static create(properties?: tensorflow.RegisteredGradient.$Properties): tensorflow.RegisteredGradient;
        static encode(message: tensorflow.RegisteredGradient.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.RegisteredGradient & tensorflow.RegisteredGradient.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.RegisteredGradient;
        static toObject(message: tensorflow.RegisteredGradient, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace RegisteredGradient {
        interface $Properties {
            gradient_func?: (string|null);
            registered_op_type?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.RegisteredGradient.$Properties;
    }

    interface INodeDef extends tensorflow.NodeDef.$Properties {
    }

    class NodeDef {
        constructor(properties?: tensorflow.NodeDef.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        op: string;
        input: string[];
        device: string;
        attr: { [k: string]: tensorflow.AttrValue.$Properties };
        experimental_debug_info?: (tensorflow.NodeDef.ExperimentalDebugInfo.$Properties|null);
        experimental_type?: (tensorflow.FullTypeDef.$Properties|null);
        static create(properties: tensorflow.NodeDef.$Shape): tensorflow.NodeDef & tensorflow.NodeDef.$Shape;
        static create(properties?: tensorflow.NodeDef.$Properties): tensorflow.NodeDef;
        static encode(message: tensorflow.NodeDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.NodeDef & tensorflow.NodeDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.NodeDef;
        static toObject(message: tensorflow.NodeDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace NodeDef {
        interface $Properties {
            name?: (string|null);
            op?: (string|null);
            input?: (string[]|null);
            device?: (string|null);
            attr?: ({ [k: string]: tensorflow.AttrValue.$Properties }|null);
            experimental_debug_info?: (tensorflow.NodeDef.ExperimentalDebugInfo.$Properties|null);
            experimental_type?: (tensorflow.FullTypeDef.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          name?: string|null;
          op?: string|null;
          input?: string[]|null;
          device?: string|null;
          attr?: { [k: string]: tensorflow.AttrValue.$Shape }|null;
          experimental_debug_info?: tensorflow.NodeDef.ExperimentalDebugInfo.$Shape|null;
          experimental_type?: tensorflow.FullTypeDef.$Shape|null;
          $unknowns?: Uint8Array[];
        };

        interface IExperimentalDebugInfo extends tensorflow.NodeDef.ExperimentalDebugInfo.$Properties {
        }

        class ExperimentalDebugInfo {
            constructor(properties?: tensorflow.NodeDef.ExperimentalDebugInfo.$Properties);
            $unknowns?: Uint8Array[];
            original_node_names: string[];
            original_func_names: string[];
            static create(properties: tensorflow.NodeDef.ExperimentalDebugInfo.$Shape): tensorflow.NodeDef.ExperimentalDebugInfo & tensorflow.NodeDef.ExperimentalDebugInfo.$Shape;
            static create(properties?: tensorflow.NodeDef.ExperimentalDebugInfo.$Properties): tensorflow.NodeDef.ExperimentalDebugInfo;
            static encode(message: tensorflow.NodeDef.ExperimentalDebugInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.NodeDef.ExperimentalDebugInfo & tensorflow.NodeDef.ExperimentalDebugInfo.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.NodeDef.ExperimentalDebugInfo;
            static toObject(message: tensorflow.NodeDef.ExperimentalDebugInfo, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace ExperimentalDebugInfo {
            interface $Properties {
                original_node_names?: (string[]|null);
                original_func_names?: (string[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.NodeDef.ExperimentalDebugInfo.$Properties;
        }
    }

    interface IOpDef extends tensorflow.OpDef.$Properties {
    }

    class OpDef {
        constructor(properties?: tensorflow.OpDef.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        input_arg: tensorflow.OpDef.ArgDef.$Properties[];
        output_arg: tensorflow.OpDef.ArgDef.$Properties[];
        control_output: string[];
        attr: tensorflow.OpDef.AttrDef.$Properties[];
        deprecation?: (tensorflow.OpDeprecation.$Properties|null);
        summary: string;
        description: string;
        is_commutative: boolean;
        is_aggregate: boolean;
        is_stateful: boolean;
        allows_uninitialized_input: boolean;
        is_distributed_communication: boolean;
        static create(properties: tensorflow.OpDef.$Shape): tensorflow.OpDef & tensorflow.OpDef.$Shape;
        static create(properties?: tensorflow.OpDef.$Properties): tensorflow.OpDef;
        static encode(message: tensorflow.OpDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.OpDef & tensorflow.OpDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.OpDef;
        static toObject(message: tensorflow.OpDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace OpDef {
        interface $Properties {
            name?: (string|null);
            input_arg?: (tensorflow.OpDef.ArgDef.$Properties[]|null);
            output_arg?: (tensorflow.OpDef.ArgDef.$Properties[]|null);
            control_output?: (string[]|null);
            attr?: (tensorflow.OpDef.AttrDef.$Properties[]|null);
            deprecation?: (tensorflow.OpDeprecation.$Properties|null);
            summary?: (string|null);
            description?: (string|null);
            is_commutative?: (boolean|null);
            is_aggregate?: (boolean|null);
            is_stateful?: (boolean|null);
            allows_uninitialized_input?: (boolean|null);
            is_distributed_communication?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          name?: string|null;
          input_arg?: tensorflow.OpDef.ArgDef.$Shape[]|null;
          output_arg?: tensorflow.OpDef.ArgDef.$Shape[]|null;
          control_output?: string[]|null;
          attr?: tensorflow.OpDef.AttrDef.$Shape[]|null;
          deprecation?: tensorflow.OpDeprecation.$Shape|null;
          summary?: string|null;
          description?: string|null;
          is_commutative?: boolean|null;
          is_aggregate?: boolean|null;
          is_stateful?: boolean|null;
          allows_uninitialized_input?: boolean|null;
          is_distributed_communication?: boolean|null;
          $unknowns?: Uint8Array[];
        };

        interface IArgDef extends tensorflow.OpDef.ArgDef.$Properties {
        }

        class ArgDef {
            constructor(properties?: tensorflow.OpDef.ArgDef.$Properties);
            $unknowns?: Uint8Array[];
            name: string;
            description: string;
            type: tensorflow.DataType;
            type_attr: string;
            number_attr: string;
            type_list_attr: string;
            handle_data: tensorflow.ResourceHandleProto.DtypeAndShape.$Properties[];
            is_ref: boolean;
            experimental_full_type?: (tensorflow.FullTypeDef.$Properties|null);
            static create(properties: tensorflow.OpDef.ArgDef.$Shape): tensorflow.OpDef.ArgDef & tensorflow.OpDef.ArgDef.$Shape;
            static create(properties?: tensorflow.OpDef.ArgDef.$Properties): tensorflow.OpDef.ArgDef;
            static encode(message: tensorflow.OpDef.ArgDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.OpDef.ArgDef & tensorflow.OpDef.ArgDef.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.OpDef.ArgDef;
            static toObject(message: tensorflow.OpDef.ArgDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace ArgDef {
            interface $Properties {
                name?: (string|null);
                description?: (string|null);
                type?: (tensorflow.DataType|null);
                type_attr?: (string|null);
                number_attr?: (string|null);
                type_list_attr?: (string|null);
                handle_data?: (tensorflow.ResourceHandleProto.DtypeAndShape.$Properties[]|null);
                is_ref?: (boolean|null);
                experimental_full_type?: (tensorflow.FullTypeDef.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              name?: string|null;
              description?: string|null;
              type?: tensorflow.DataType|null;
              type_attr?: string|null;
              number_attr?: string|null;
              type_list_attr?: string|null;
              handle_data?: tensorflow.ResourceHandleProto.DtypeAndShape.$Shape[]|null;
              is_ref?: boolean|null;
              experimental_full_type?: tensorflow.FullTypeDef.$Shape|null;
              $unknowns?: Uint8Array[];
            };
        }

        interface IAttrDef extends tensorflow.OpDef.AttrDef.$Properties {
        }

        class AttrDef {
            constructor(properties?: tensorflow.OpDef.AttrDef.$Properties);
            $unknowns?: Uint8Array[];
            name: string;
            type: string;
            default_value?: (tensorflow.AttrValue.$Properties|null);
            description: string;
            has_minimum: boolean;
            minimum: number;
            allowed_values?: (tensorflow.AttrValue.$Properties|null);
            static create(properties: tensorflow.OpDef.AttrDef.$Shape): tensorflow.OpDef.AttrDef & tensorflow.OpDef.AttrDef.$Shape;
            static create(properties?: tensorflow.OpDef.AttrDef.$Properties): tensorflow.OpDef.AttrDef;
            static encode(message: tensorflow.OpDef.AttrDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.OpDef.AttrDef & tensorflow.OpDef.AttrDef.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.OpDef.AttrDef;
            static toObject(message: tensorflow.OpDef.AttrDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace AttrDef {
            interface $Properties {
                name?: (string|null);
                type?: (string|null);
                default_value?: (tensorflow.AttrValue.$Properties|null);
                description?: (string|null);
                has_minimum?: (boolean|null);
                minimum?: (number|null);
                allowed_values?: (tensorflow.AttrValue.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              name?: string|null;
              type?: string|null;
              default_value?: tensorflow.AttrValue.$Shape|null;
              description?: string|null;
              has_minimum?: boolean|null;
              minimum?: number|null;
              allowed_values?: tensorflow.AttrValue.$Shape|null;
              $unknowns?: Uint8Array[];
            };
        }
    }

    interface IOpDeprecation extends tensorflow.OpDeprecation.$Properties {
    }

    class OpDeprecation {
        constructor(properties?: tensorflow.OpDeprecation.$Properties);
        $unknowns?: Uint8Array[];
        version: number;
        explanation: string;
        static create(properties: tensorflow.OpDeprecation.$Shape): tensorflow.OpDeprecation & tensorflow.OpDeprecation.$Shape;
        static create(properties?: tensorflow.OpDeprecation.$Properties): tensorflow.OpDeprecation;
        static encode(message: tensorflow.OpDeprecation.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.OpDeprecation & tensorflow.OpDeprecation.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.OpDeprecation;
        static toObject(message: tensorflow.OpDeprecation, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace OpDeprecation {
        interface $Properties {
            version?: (number|null);
            explanation?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.OpDeprecation.$Properties;
    }

    interface IOpList extends tensorflow.OpList.$Properties {
    }

    class OpList {
        constructor(properties?: tensorflow.OpList.$Properties);
        $unknowns?: Uint8Array[];
        op: tensorflow.OpDef.$Properties[];
        static create(properties: tensorflow.OpList.$Shape): tensorflow.OpList & tensorflow.OpList.$Shape;
        static create(properties?: tensorflow.OpList.$Properties): tensorflow.OpList;
        static encode(message: tensorflow.OpList.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.OpList & tensorflow.OpList.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.OpList;
        static toObject(message: tensorflow.OpList, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace OpList {
        interface $Properties {
            op?: (tensorflow.OpDef.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          op?: tensorflow.OpDef.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface IGraphDef extends tensorflow.GraphDef.$Properties {
    }

    class GraphDef {
        constructor(properties?: tensorflow.GraphDef.$Properties);
        $unknowns?: Uint8Array[];
        node: tensorflow.NodeDef.$Properties[];
        versions?: (tensorflow.VersionDef.$Properties|null);
        version: number;
        library?: (tensorflow.FunctionDefLibrary.$Properties|null);
        static create(properties: tensorflow.GraphDef.$Shape): tensorflow.GraphDef & tensorflow.GraphDef.$Shape;
        static create(properties?: tensorflow.GraphDef.$Properties): tensorflow.GraphDef;
        static encode(message: tensorflow.GraphDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.GraphDef & tensorflow.GraphDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.GraphDef;
        static toObject(message: tensorflow.GraphDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace GraphDef {
        interface $Properties {
            node?: (tensorflow.NodeDef.$Properties[]|null);
            versions?: (tensorflow.VersionDef.$Properties|null);
            version?: (number|null);
            library?: (tensorflow.FunctionDefLibrary.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          node?: tensorflow.NodeDef.$Shape[]|null;
          versions?: tensorflow.VersionDef.$Shape|null;
          version?: number|null;
          library?: tensorflow.FunctionDefLibrary.$Shape|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface IVersionDef extends tensorflow.VersionDef.$Properties {
    }

    class VersionDef {
        constructor(properties?: tensorflow.VersionDef.$Properties);
        $unknowns?: Uint8Array[];
        producer: number;
        min_consumer: number;
        bad_consumers: number[];
        static create(properties: tensorflow.VersionDef.$Shape): tensorflow.VersionDef & tensorflow.VersionDef.$Shape;
        static create(properties?: tensorflow.VersionDef.$Properties): tensorflow.VersionDef;
        static encode(message: tensorflow.VersionDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.VersionDef & tensorflow.VersionDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.VersionDef;
        static toObject(message: tensorflow.VersionDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace VersionDef {
        interface $Properties {
            producer?: (number|null);
            min_consumer?: (number|null);
            bad_consumers?: (number[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.VersionDef.$Properties;
    }

    interface IMetaGraphDef extends tensorflow.MetaGraphDef.$Properties {
    }

    class MetaGraphDef {
        constructor(properties?: tensorflow.MetaGraphDef.$Properties);
        $unknowns?: Uint8Array[];
        meta_info_def?: (tensorflow.MetaGraphDef.MetaInfoDef.$Properties|null);
        graph_def?: (tensorflow.GraphDef.$Properties|null);
        saver_def?: (tensorflow.SaverDef.$Properties|null);
        collection_def: { [k: string]: tensorflow.CollectionDef.$Properties };
        signature_def: { [k: string]: tensorflow.SignatureDef.$Properties };
        asset_file_def: tensorflow.AssetFileDef.$Properties[];
        static create(properties: tensorflow.MetaGraphDef.$Shape): tensorflow.MetaGraphDef & tensorflow.MetaGraphDef.$Shape;
        static create(properties?: tensorflow.MetaGraphDef.$Properties): tensorflow.MetaGraphDef;
        static encode(message: tensorflow.MetaGraphDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.MetaGraphDef & tensorflow.MetaGraphDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.MetaGraphDef;
        static toObject(message: tensorflow.MetaGraphDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace MetaGraphDef {
        interface $Properties {
            meta_info_def?: (tensorflow.MetaGraphDef.MetaInfoDef.$Properties|null);
            graph_def?: (tensorflow.GraphDef.$Properties|null);
            saver_def?: (tensorflow.SaverDef.$Properties|null);
            collection_def?: ({ [k: string]: tensorflow.CollectionDef.$Properties }|null);
            signature_def?: ({ [k: string]: tensorflow.SignatureDef.$Properties }|null);
            asset_file_def?: (tensorflow.AssetFileDef.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          meta_info_def?: tensorflow.MetaGraphDef.MetaInfoDef.$Shape|null;
          graph_def?: tensorflow.GraphDef.$Shape|null;
          saver_def?: tensorflow.SaverDef.$Shape|null;
          collection_def?: { [k: string]: tensorflow.CollectionDef.$Shape }|null;
          signature_def?: { [k: string]: tensorflow.SignatureDef.$Shape }|null;
          asset_file_def?: tensorflow.AssetFileDef.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };

        interface IMetaInfoDef extends tensorflow.MetaGraphDef.MetaInfoDef.$Properties {
        }

        class MetaInfoDef {
            constructor(properties?: tensorflow.MetaGraphDef.MetaInfoDef.$Properties);
            $unknowns?: Uint8Array[];
            meta_graph_version: string;
            stripped_op_list?: (tensorflow.OpList.$Properties|null);
            any_info?: (google.protobuf.Any.$Properties|null);
            tags: string[];
            tensorflow_version: string;
            tensorflow_git_version: string;
            stripped_default_attrs: boolean;
            function_aliases: { [k: string]: string };
            static create(properties: tensorflow.MetaGraphDef.MetaInfoDef.$Shape): tensorflow.MetaGraphDef.MetaInfoDef & tensorflow.MetaGraphDef.MetaInfoDef.$Shape;
            static create(properties?: tensorflow.MetaGraphDef.MetaInfoDef.$Properties): tensorflow.MetaGraphDef.MetaInfoDef;
            static encode(message: tensorflow.MetaGraphDef.MetaInfoDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.MetaGraphDef.MetaInfoDef & tensorflow.MetaGraphDef.MetaInfoDef.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.MetaGraphDef.MetaInfoDef;
            static toObject(message: tensorflow.MetaGraphDef.MetaInfoDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace MetaInfoDef {
            interface $Properties {
                meta_graph_version?: (string|null);
                stripped_op_list?: (tensorflow.OpList.$Properties|null);
                any_info?: (google.protobuf.Any.$Properties|null);
                tags?: (string[]|null);
                tensorflow_version?: (string|null);
                tensorflow_git_version?: (string|null);
                stripped_default_attrs?: (boolean|null);
                function_aliases?: ({ [k: string]: string }|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              meta_graph_version?: string|null;
              stripped_op_list?: tensorflow.OpList.$Shape|null;
              any_info?: google.protobuf.Any.$Shape|null;
              tags?: string[]|null;
              tensorflow_version?: string|null;
              tensorflow_git_version?: string|null;
              stripped_default_attrs?: boolean|null;
              function_aliases?: { [k: string]: string }|null;
              $unknowns?: Uint8Array[];
            };
        }
    }

    interface ICollectionDef extends tensorflow.CollectionDef.$Properties {
    }

    class CollectionDef {
        constructor(properties?: tensorflow.CollectionDef.$Properties);
        $unknowns?: Uint8Array[];
        node_list?: (tensorflow.CollectionDef.NodeList.$Properties|null);
        bytes_list?: (tensorflow.CollectionDef.BytesList.$Properties|null);
        int64_list?: (tensorflow.CollectionDef.Int64List.$Properties|null);
        float_list?: (tensorflow.CollectionDef.FloatList.$Properties|null);
        any_list?: (tensorflow.CollectionDef.AnyList.$Properties|null);
        kind?: ("node_list"|"bytes_list"|"int64_list"|"float_list"|"any_list");
        static create(properties: tensorflow.CollectionDef.$Shape): tensorflow.CollectionDef & tensorflow.CollectionDef.$Shape;
        static create(properties?: tensorflow.CollectionDef.$Properties): tensorflow.CollectionDef;
        static encode(message: tensorflow.CollectionDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.CollectionDef & tensorflow.CollectionDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.CollectionDef;
        static toObject(message: tensorflow.CollectionDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace CollectionDef {
        interface $Properties {
            node_list?: (tensorflow.CollectionDef.NodeList.$Properties|null);
            bytes_list?: (tensorflow.CollectionDef.BytesList.$Properties|null);
            int64_list?: (tensorflow.CollectionDef.Int64List.$Properties|null);
            float_list?: (tensorflow.CollectionDef.FloatList.$Properties|null);
            any_list?: (tensorflow.CollectionDef.AnyList.$Properties|null);
            kind?: ("node_list"|"bytes_list"|"int64_list"|"float_list"|"any_list");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          node_list?: tensorflow.CollectionDef.NodeList.$Shape|null;
          bytes_list?: tensorflow.CollectionDef.BytesList.$Shape|null;
          int64_list?: tensorflow.CollectionDef.Int64List.$Shape|null;
          float_list?: tensorflow.CollectionDef.FloatList.$Shape|null;
          any_list?: tensorflow.CollectionDef.AnyList.$Shape|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ kind?: undefined; node_list?: null; bytes_list?: null; int64_list?: null; float_list?: null; any_list?: null }|{ kind?: "node_list"; node_list: tensorflow.CollectionDef.NodeList.$Shape; bytes_list?: null; int64_list?: null; float_list?: null; any_list?: null }|{ kind?: "bytes_list"; node_list?: null; bytes_list: tensorflow.CollectionDef.BytesList.$Shape; int64_list?: null; float_list?: null; any_list?: null }|{ kind?: "int64_list"; node_list?: null; bytes_list?: null; int64_list: tensorflow.CollectionDef.Int64List.$Shape; float_list?: null; any_list?: null }|{ kind?: "float_list"; node_list?: null; bytes_list?: null; int64_list?: null; float_list: tensorflow.CollectionDef.FloatList.$Shape; any_list?: null }|{ kind?: "any_list"; node_list?: null; bytes_list?: null; int64_list?: null; float_list?: null; any_list: tensorflow.CollectionDef.AnyList.$Shape })
        );

        interface INodeList extends tensorflow.CollectionDef.NodeList.$Properties {
        }

        class NodeList {
            constructor(properties?: tensorflow.CollectionDef.NodeList.$Properties);
            $unknowns?: Uint8Array[];
            value: string[];
            static create(properties: tensorflow.CollectionDef.NodeList.$Shape): tensorflow.CollectionDef.NodeList & tensorflow.CollectionDef.NodeList.$Shape;
            static create(properties?: tensorflow.CollectionDef.NodeList.$Properties): tensorflow.CollectionDef.NodeList;
            static encode(message: tensorflow.CollectionDef.NodeList.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.CollectionDef.NodeList & tensorflow.CollectionDef.NodeList.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.CollectionDef.NodeList;
            static toObject(message: tensorflow.CollectionDef.NodeList, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace NodeList {
            interface $Properties {
                value?: (string[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.CollectionDef.NodeList.$Properties;
        }

        interface IBytesList extends tensorflow.CollectionDef.BytesList.$Properties {
        }

        class BytesList {
            constructor(properties?: tensorflow.CollectionDef.BytesList.$Properties);
            $unknowns?: Uint8Array[];
            value: Uint8Array[];
            static create(properties: tensorflow.CollectionDef.BytesList.$Shape): tensorflow.CollectionDef.BytesList & tensorflow.CollectionDef.BytesList.$Shape;
            static create(properties?: tensorflow.CollectionDef.BytesList.$Properties): tensorflow.CollectionDef.BytesList;
            static encode(message: tensorflow.CollectionDef.BytesList.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.CollectionDef.BytesList & tensorflow.CollectionDef.BytesList.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.CollectionDef.BytesList;
            static toObject(message: tensorflow.CollectionDef.BytesList, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace BytesList {
            interface $Properties {
                value?: (Uint8Array[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.CollectionDef.BytesList.$Properties;
        }

        interface IInt64List extends tensorflow.CollectionDef.Int64List.$Properties {
        }

        class Int64List {
            constructor(properties?: tensorflow.CollectionDef.Int64List.$Properties);
            $unknowns?: Uint8Array[];
            value: number[];
            static create(properties: tensorflow.CollectionDef.Int64List.$Shape): tensorflow.CollectionDef.Int64List & tensorflow.CollectionDef.Int64List.$Shape;
            static create(properties?: tensorflow.CollectionDef.Int64List.$Properties): tensorflow.CollectionDef.Int64List;
            static encode(message: tensorflow.CollectionDef.Int64List.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.CollectionDef.Int64List & tensorflow.CollectionDef.Int64List.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.CollectionDef.Int64List;
            static toObject(message: tensorflow.CollectionDef.Int64List, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Int64List {
            interface $Properties {
                value?: (number[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.CollectionDef.Int64List.$Properties;
        }

        interface IFloatList extends tensorflow.CollectionDef.FloatList.$Properties {
        }

        class FloatList {
            constructor(properties?: tensorflow.CollectionDef.FloatList.$Properties);
            $unknowns?: Uint8Array[];
            value: number[];
            static create(properties: tensorflow.CollectionDef.FloatList.$Shape): tensorflow.CollectionDef.FloatList & tensorflow.CollectionDef.FloatList.$Shape;
            static create(properties?: tensorflow.CollectionDef.FloatList.$Properties): tensorflow.CollectionDef.FloatList;
            static encode(message: tensorflow.CollectionDef.FloatList.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.CollectionDef.FloatList & tensorflow.CollectionDef.FloatList.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.CollectionDef.FloatList;
            static toObject(message: tensorflow.CollectionDef.FloatList, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace FloatList {
            interface $Properties {
                value?: (number[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.CollectionDef.FloatList.$Properties;
        }

        interface IAnyList extends tensorflow.CollectionDef.AnyList.$Properties {
        }

        class AnyList {
            constructor(properties?: tensorflow.CollectionDef.AnyList.$Properties);
            $unknowns?: Uint8Array[];
            value: google.protobuf.Any.$Properties[];
            static create(properties: tensorflow.CollectionDef.AnyList.$Shape): tensorflow.CollectionDef.AnyList & tensorflow.CollectionDef.AnyList.$Shape;
            static create(properties?: tensorflow.CollectionDef.AnyList.$Properties): tensorflow.CollectionDef.AnyList;
            static encode(message: tensorflow.CollectionDef.AnyList.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.CollectionDef.AnyList & tensorflow.CollectionDef.AnyList.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.CollectionDef.AnyList;
            static toObject(message: tensorflow.CollectionDef.AnyList, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace AnyList {
            interface $Properties {
                value?: (google.protobuf.Any.$Properties[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.CollectionDef.AnyList.$Properties;
        }
    }

    interface ITensorInfo extends tensorflow.TensorInfo.$Properties {
    }

    class TensorInfo {
        constructor(properties?: tensorflow.TensorInfo.$Properties);
        $unknowns?: Uint8Array[];
        name?: (string|null);
        coo_sparse?: (tensorflow.TensorInfo.CooSparse.$Properties|null);
        dtype: tensorflow.DataType;
        tensor_shape?: (tensorflow.TensorShapeProto.$Properties|null);
        encoding?: ("name"|"coo_sparse");
        static create(properties: tensorflow.TensorInfo.$Shape): tensorflow.TensorInfo & tensorflow.TensorInfo.$Shape;
        static create(properties?: tensorflow.TensorInfo.$Properties): tensorflow.TensorInfo;
        static encode(message: tensorflow.TensorInfo.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.TensorInfo & tensorflow.TensorInfo.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.TensorInfo;
        static toObject(message: tensorflow.TensorInfo, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace TensorInfo {
        interface $Properties {
            name?: (string|null);
            coo_sparse?: (tensorflow.TensorInfo.CooSparse.$Properties|null);
            dtype?: (tensorflow.DataType|null);
            tensor_shape?: (tensorflow.TensorShapeProto.$Properties|null);
            encoding?: ("name"|"coo_sparse");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          name?: string|null;
          coo_sparse?: tensorflow.TensorInfo.CooSparse.$Shape|null;
          dtype?: tensorflow.DataType|null;
          tensor_shape?: tensorflow.TensorShapeProto.$Shape|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ encoding?: undefined; name?: null; coo_sparse?: null }|{ encoding?: "name"; name: string; coo_sparse?: null }|{ encoding?: "coo_sparse"; name?: null; coo_sparse: tensorflow.TensorInfo.CooSparse.$Shape })
        );

        interface ICooSparse extends tensorflow.TensorInfo.CooSparse.$Properties {
        }

        class CooSparse {
            constructor(properties?: tensorflow.TensorInfo.CooSparse.$Properties);
            $unknowns?: Uint8Array[];
            values_tensor_name: string;
            indices_tensor_name: string;
            dense_shape_tensor_name: string;
            static create(properties: tensorflow.TensorInfo.CooSparse.$Shape): tensorflow.TensorInfo.CooSparse & tensorflow.TensorInfo.CooSparse.$Shape;
            static create(properties?: tensorflow.TensorInfo.CooSparse.$Properties): tensorflow.TensorInfo.CooSparse;
            static encode(message: tensorflow.TensorInfo.CooSparse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.TensorInfo.CooSparse & tensorflow.TensorInfo.CooSparse.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.TensorInfo.CooSparse;
            static toObject(message: tensorflow.TensorInfo.CooSparse, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace CooSparse {
            interface $Properties {
                values_tensor_name?: (string|null);
                indices_tensor_name?: (string|null);
                dense_shape_tensor_name?: (string|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = tensorflow.TensorInfo.CooSparse.$Properties;
        }
    }

    interface ISignatureDef extends tensorflow.SignatureDef.$Properties {
    }

    class SignatureDef {
        constructor(properties?: tensorflow.SignatureDef.$Properties);
        $unknowns?: Uint8Array[];
        inputs: { [k: string]: tensorflow.TensorInfo.$Properties };
        outputs: { [k: string]: tensorflow.TensorInfo.$Properties };
        method_name: string;
        defaults: { [k: string]: tensorflow.TensorProto.$Properties };
        static create(properties: tensorflow.SignatureDef.$Shape): tensorflow.SignatureDef & tensorflow.SignatureDef.$Shape;
        static create(properties?: tensorflow.SignatureDef.$Properties): tensorflow.SignatureDef;
        static encode(message: tensorflow.SignatureDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.SignatureDef & tensorflow.SignatureDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.SignatureDef;
        static toObject(message: tensorflow.SignatureDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace SignatureDef {
        interface $Properties {
            inputs?: ({ [k: string]: tensorflow.TensorInfo.$Properties }|null);
            outputs?: ({ [k: string]: tensorflow.TensorInfo.$Properties }|null);
            method_name?: (string|null);
            defaults?: ({ [k: string]: tensorflow.TensorProto.$Properties }|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          inputs?: { [k: string]: tensorflow.TensorInfo.$Shape }|null;
          outputs?: { [k: string]: tensorflow.TensorInfo.$Shape }|null;
          method_name?: string|null;
          defaults?: { [k: string]: tensorflow.TensorProto.$Shape }|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface IAssetFileDef extends tensorflow.AssetFileDef.$Properties {
    }

    class AssetFileDef {
        constructor(properties?: tensorflow.AssetFileDef.$Properties);
        $unknowns?: Uint8Array[];
        tensor_info?: (tensorflow.TensorInfo.$Properties|null);
        filename: string;
        static create(properties: tensorflow.AssetFileDef.$Shape): tensorflow.AssetFileDef & tensorflow.AssetFileDef.$Shape;
        static create(properties?: tensorflow.AssetFileDef.$Properties): tensorflow.AssetFileDef;
        static encode(message: tensorflow.AssetFileDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.AssetFileDef & tensorflow.AssetFileDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.AssetFileDef;
        static toObject(message: tensorflow.AssetFileDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace AssetFileDef {
        interface $Properties {
            tensor_info?: (tensorflow.TensorInfo.$Properties|null);
            filename?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          tensor_info?: tensorflow.TensorInfo.$Shape|null;
          filename?: string|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface ISaverDef extends tensorflow.SaverDef.$Properties {
    }

    class SaverDef {
        constructor(properties?: tensorflow.SaverDef.$Properties);
        $unknowns?: Uint8Array[];
        filename_tensor_name: string;
        save_tensor_name: string;
        restore_op_name: string;
        max_to_keep: number;
        sharded: boolean;
        keep_checkpoint_every_n_hours: number;
        version: tensorflow.SaverDef.CheckpointFormatVersion;
        static create(properties: tensorflow.SaverDef.$Shape): tensorflow.SaverDef & tensorflow.SaverDef.$Shape;
        static create(properties?: tensorflow.SaverDef.$Properties): tensorflow.SaverDef;
        static encode(message: tensorflow.SaverDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.SaverDef & tensorflow.SaverDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.SaverDef;
        static toObject(message: tensorflow.SaverDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace SaverDef {
        interface $Properties {
            filename_tensor_name?: (string|null);
            save_tensor_name?: (string|null);
            restore_op_name?: (string|null);
            max_to_keep?: (number|null);
            sharded?: (boolean|null);
            keep_checkpoint_every_n_hours?: (number|null);
            version?: (tensorflow.SaverDef.CheckpointFormatVersion|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.SaverDef.$Properties;

        enum CheckpointFormatVersion {
            LEGACY = 0,
            V1 = 1,
            V2 = 2
        }
    }

    interface ISavedModel extends tensorflow.SavedModel.$Properties {
    }

    class SavedModel {
        constructor(properties?: tensorflow.SavedModel.$Properties);
        $unknowns?: Uint8Array[];
        saved_model_schema_version: number;
        meta_graphs: tensorflow.MetaGraphDef.$Properties[];
        static create(properties: tensorflow.SavedModel.$Shape): tensorflow.SavedModel & tensorflow.SavedModel.$Shape;
        static create(properties?: tensorflow.SavedModel.$Properties): tensorflow.SavedModel;
        static encode(message: tensorflow.SavedModel.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.SavedModel & tensorflow.SavedModel.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.SavedModel;
        static toObject(message: tensorflow.SavedModel, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace SavedModel {
        interface $Properties {
            saved_model_schema_version?: (number|null);
            meta_graphs?: (tensorflow.MetaGraphDef.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          saved_model_schema_version?: number|null;
          meta_graphs?: tensorflow.MetaGraphDef.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface IBundleHeaderProto extends tensorflow.BundleHeaderProto.$Properties {
    }

    class BundleHeaderProto {
        constructor(properties?: tensorflow.BundleHeaderProto.$Properties);
        $unknowns?: Uint8Array[];
        num_shards: number;
        endianness: tensorflow.BundleHeaderProto.Endianness;
        version?: (tensorflow.VersionDef.$Properties|null);
        static create(properties: tensorflow.BundleHeaderProto.$Shape): tensorflow.BundleHeaderProto & tensorflow.BundleHeaderProto.$Shape;
        static create(properties?: tensorflow.BundleHeaderProto.$Properties): tensorflow.BundleHeaderProto;
        static encode(message: tensorflow.BundleHeaderProto.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.BundleHeaderProto & tensorflow.BundleHeaderProto.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.BundleHeaderProto;
        static toObject(message: tensorflow.BundleHeaderProto, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace BundleHeaderProto {
        interface $Properties {
            num_shards?: (number|null);
            endianness?: (tensorflow.BundleHeaderProto.Endianness|null);
            version?: (tensorflow.VersionDef.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.BundleHeaderProto.$Properties;

        enum Endianness {
            LITTLE = 0,
            BIG = 1
        }
    }

    interface IBundleEntryProto extends tensorflow.BundleEntryProto.$Properties {
    }

    class BundleEntryProto {
        constructor(properties?: tensorflow.BundleEntryProto.$Properties);
        $unknowns?: Uint8Array[];
        dtype: tensorflow.DataType;
        shape?: (tensorflow.TensorShapeProto.$Properties|null);
        shard_id: number;
        offset: number;
        size: number;
        crc32c: number;
        slices: tensorflow.TensorSliceProto.$Properties[];
        static create(properties: tensorflow.BundleEntryProto.$Shape): tensorflow.BundleEntryProto & tensorflow.BundleEntryProto.$Shape;
        static create(properties?: tensorflow.BundleEntryProto.$Properties): tensorflow.BundleEntryProto;
        static encode(message: tensorflow.BundleEntryProto.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.BundleEntryProto & tensorflow.BundleEntryProto.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.BundleEntryProto;
        static toObject(message: tensorflow.BundleEntryProto, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace BundleEntryProto {
        interface $Properties {
            dtype?: (tensorflow.DataType|null);
            shape?: (tensorflow.TensorShapeProto.$Properties|null);
            shard_id?: (number|null);
            offset?: (number|null);
            size?: (number|null);
            crc32c?: (number|null);
            slices?: (tensorflow.TensorSliceProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          dtype?: tensorflow.DataType|null;
          shape?: tensorflow.TensorShapeProto.$Shape|null;
          shard_id?: number|null;
          offset?: number|null;
          size?: number|null;
          crc32c?: number|null;
          slices?: tensorflow.TensorSliceProto.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };
    }

    interface ITensorSliceProto extends tensorflow.TensorSliceProto.$Properties {
    }

    class TensorSliceProto {
        constructor(properties?: tensorflow.TensorSliceProto.$Properties);
        $unknowns?: Uint8Array[];
        extent: tensorflow.TensorSliceProto.Extent.$Properties[];
        static create(properties: tensorflow.TensorSliceProto.$Shape): tensorflow.TensorSliceProto & tensorflow.TensorSliceProto.$Shape;
        static create(properties?: tensorflow.TensorSliceProto.$Properties): tensorflow.TensorSliceProto;
        static encode(message: tensorflow.TensorSliceProto.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.TensorSliceProto & tensorflow.TensorSliceProto.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.TensorSliceProto;
        static toObject(message: tensorflow.TensorSliceProto, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace TensorSliceProto {
        interface $Properties {
            extent?: (tensorflow.TensorSliceProto.Extent.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          extent?: tensorflow.TensorSliceProto.Extent.$Shape[]|null;
          $unknowns?: Uint8Array[];
        };

        interface IExtent extends tensorflow.TensorSliceProto.Extent.$Properties {
        }

        class Extent {
            constructor(properties?: tensorflow.TensorSliceProto.Extent.$Properties);
            $unknowns?: Uint8Array[];
            start: number;
            length?: (number|null);
            has_length?: "length";
            static create(properties: tensorflow.TensorSliceProto.Extent.$Shape): tensorflow.TensorSliceProto.Extent & tensorflow.TensorSliceProto.Extent.$Shape;
            static create(properties?: tensorflow.TensorSliceProto.Extent.$Properties): tensorflow.TensorSliceProto.Extent;
            static encode(message: tensorflow.TensorSliceProto.Extent.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.TensorSliceProto.Extent & tensorflow.TensorSliceProto.Extent.$Shape;
            static fromObject(object: { [k: string]: any }): tensorflow.TensorSliceProto.Extent;
            static toObject(message: tensorflow.TensorSliceProto.Extent, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Extent {
            interface $Properties {
                start?: (number|null);
                length?: (number|null);
                has_length?: "length";
                $unknowns?: Uint8Array[];
            }
            type $Shape = {
              start?: number|null;
              length?: number|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ has_length?: undefined; length?: null }|{ has_length?: "length"; length: number })
            );
        }
    }

    enum VariableSynchronization {
        VARIABLE_SYNCHRONIZATION_AUTO = 0,
        VARIABLE_SYNCHRONIZATION_NONE = 1,
        VARIABLE_SYNCHRONIZATION_ON_WRITE = 2,
        VARIABLE_SYNCHRONIZATION_ON_READ = 3
    }

    enum VariableAggregation {
        VARIABLE_AGGREGATION_NONE = 0,
        VARIABLE_AGGREGATION_SUM = 1,
        VARIABLE_AGGREGATION_MEAN = 2,
        VARIABLE_AGGREGATION_ONLY_FIRST_REPLICA = 3
    }

    interface IVariableDef extends tensorflow.VariableDef.$Properties {
    }

    class VariableDef {
        constructor(properties?: tensorflow.VariableDef.$Properties);
        $unknowns?: Uint8Array[];
        variable_name: string;
        initial_value_name: string;
        initializer_name: string;
        snapshot_name: string;
        save_slice_info_def?: (tensorflow.SaveSliceInfoDef.$Properties|null);
        is_resource: boolean;
        trainable: boolean;
        synchronization: tensorflow.VariableSynchronization;
        aggregation: tensorflow.VariableAggregation;
        static create(properties: tensorflow.VariableDef.$Shape): tensorflow.VariableDef & tensorflow.VariableDef.$Shape;
        static create(properties?: tensorflow.VariableDef.$Properties): tensorflow.VariableDef;
        static encode(message: tensorflow.VariableDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.VariableDef & tensorflow.VariableDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.VariableDef;
        static toObject(message: tensorflow.VariableDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace VariableDef {
        interface $Properties {
            variable_name?: (string|null);
            initial_value_name?: (string|null);
            initializer_name?: (string|null);
            snapshot_name?: (string|null);
            save_slice_info_def?: (tensorflow.SaveSliceInfoDef.$Properties|null);
            is_resource?: (boolean|null);
            trainable?: (boolean|null);
            synchronization?: (tensorflow.VariableSynchronization|null);
            aggregation?: (tensorflow.VariableAggregation|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.VariableDef.$Properties;
    }

    interface ISaveSliceInfoDef extends tensorflow.SaveSliceInfoDef.$Properties {
    }

    class SaveSliceInfoDef {
        constructor(properties?: tensorflow.SaveSliceInfoDef.$Properties);
        $unknowns?: Uint8Array[];
        full_name: string;
        full_shape: number[];
        var_offset: number[];
        var_shape: number[];
        static create(properties: tensorflow.SaveSliceInfoDef.$Shape): tensorflow.SaveSliceInfoDef & tensorflow.SaveSliceInfoDef.$Shape;
        static create(properties?: tensorflow.SaveSliceInfoDef.$Properties): tensorflow.SaveSliceInfoDef;
        static encode(message: tensorflow.SaveSliceInfoDef.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): tensorflow.SaveSliceInfoDef & tensorflow.SaveSliceInfoDef.$Shape;
        static fromObject(object: { [k: string]: any }): tensorflow.SaveSliceInfoDef;
        static toObject(message: tensorflow.SaveSliceInfoDef, options?: $protobuf.IConversionOptions): { [k: string]: any };
        toJSON(): { [k: string]: any };
    }

    namespace SaveSliceInfoDef {
        interface $Properties {
            full_name?: (string|null);
            full_shape?: (number[]|null);
            var_offset?: (number[]|null);
            var_shape?: (number[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = tensorflow.SaveSliceInfoDef.$Properties;
    }
}

export namespace google {

    namespace protobuf {

        interface IAny extends google.protobuf.Any.$Properties {
        }

        class Any {
            constructor(properties?: google.protobuf.Any.$Properties);
            $unknowns?: Uint8Array[];
            type_url: string;
            value: Uint8Array;
            static create(properties: google.protobuf.Any.$Shape): google.protobuf.Any & google.protobuf.Any.$Shape;
            static create(properties?: google.protobuf.Any.$Properties): google.protobuf.Any;
            static encode(message: google.protobuf.Any.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): google.protobuf.Any & google.protobuf.Any.$Shape;
            static fromObject(object: { [k: string]: any }): google.protobuf.Any;
            static toObject(message: google.protobuf.Any, options?: $protobuf.IConversionOptions): { [k: string]: any };
            toJSON(): { [k: string]: any };
        }

        namespace Any {
            interface $Properties {
                type_url?: (string|null);
                value?: (Uint8Array|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = google.protobuf.Any.$Properties;
        }
    }
}
